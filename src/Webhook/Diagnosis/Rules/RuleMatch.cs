namespace Webhook.Diagnosis;

/// <summary>
/// A rule's conclusion. <see cref="Detail"/> is the decisive text (a log line or status message) the
/// remediation reads names, paths and hosts from.
/// </summary>
public sealed record RuleMatch(string Cause, double Confidence, string Summary)
{
    public IReadOnlyList<Evidence> Evidence { get; init; } = [];
    public string? Detail { get; init; }
    public string Rule { get; init; } = "";
}
