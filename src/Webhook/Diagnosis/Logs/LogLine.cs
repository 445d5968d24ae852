namespace Webhook.Diagnosis;

/// <summary>One normalised log line: ANSI codes stripped, JSON fields flattened. Frames are stack-trace frames, not messages.</summary>
public sealed record LogLine(int Index, string Text, bool IsFrame);
