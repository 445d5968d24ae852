using System.Runtime.CompilerServices;
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

    public static LogView From(LogTail? tail, ClassifierOptions options)
    {
        if (tail is null || string.IsNullOrWhiteSpace(tail.Text)) return Empty;
        // A snapshot is classified more than once with the same log (before its follow-ups, then with their answers),
        // and normalising the log is a large part of each classification: read once per log and options. Both are
        // immutable, and the view is kept only as long as the log is. Options are compared by value: the follow-up
        // questions read the snapshot with options of their own (FollowUps.For), and with a reference comparison each
        // reader replaced the other's view, so a storm's log was normalised three times per alert instead of once.
        if (Read.TryGetValue(tail, out var read) && read.Item1 == options) return read.Item2;
        var view = new LogView(LogNormalizer.Normalize(tail.Text, options), tail.Source, tail.Truncated);
        Read.AddOrUpdate(tail, Tuple.Create(options, view));
        return view;
    }

    static readonly ConditionalWeakTable<LogTail, Tuple<ClassifierOptions, LogView>> Read = new();

    /// <summary>The log's verdict (<see cref="LogAnalyzer.Analyze"/>), computed once per view and options.</summary>
    public LogVerdict? VerdictFor(ClassifierOptions options)
    {
        if (Verdicts.TryGetValue(this, out var known) && known.Item1 == options) return known.Item2;
        var verdict = LogAnalyzer.Analyze(this, options);
        Verdicts.AddOrUpdate(this, Tuple.Create(options, verdict));
        return verdict;
    }

    static readonly ConditionalWeakTable<LogView, Tuple<ClassifierOptions, LogVerdict?>> Verdicts = new();
}
