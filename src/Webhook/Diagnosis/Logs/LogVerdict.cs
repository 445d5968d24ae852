namespace Webhook.Diagnosis;

/// <summary>What the log says: the decisive line, the cause it points at and how strongly (0..~1).</summary>
public sealed record LogVerdict(string Cause, double Score, LogLine Line, LogPattern Pattern)
{
    /// <summary>Other lines that support the verdict (the trace header of a root cause, for instance).</summary>
    public IReadOnlyList<LogLine> Supporting { get; init; } = [];
    /// <summary>The best score of every other cause the log points at: the runner-ups.</summary>
    public IReadOnlyList<(string Cause, double Score)> Others { get; init; } = [];
}
