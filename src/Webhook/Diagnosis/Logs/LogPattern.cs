using System.Text.RegularExpressions;

namespace Webhook.Diagnosis;

/// <summary>One row of the log table: text that points at a cause, with how strongly it does.</summary>
public sealed record LogPattern(string Name, string Cause, double Strength, Regex Regex);
