using Webhook.Collect;

namespace Webhook.Diagnosis;

/// <summary>The bounded, normalised tail of the log the classifier reads, and where it came from.</summary>
public sealed record LogView(IReadOnlyList<LogLine> Lines, LogSource Source, bool Truncated)
{
    public static readonly LogView Empty = new([], LogSource.Previous, false);

    public bool IsEmpty => Lines.Count == 0;

    public string SourceLabel => Source switch
    {
        LogSource.Previous => "previous log",
        LogSource.TerminationMessage => "termination message",
        _ => "current log",
    };

    public static LogView From(LogTail? tail, ClassifierOptions options) =>
        tail is null || string.IsNullOrWhiteSpace(tail.Text)
            ? Empty
            : new(LogNormalizer.Normalize(tail.Text, options), tail.Source, tail.Truncated);
}
