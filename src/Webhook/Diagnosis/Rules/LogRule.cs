namespace Webhook.Diagnosis;

/// <summary>The decisive log line, as weighed by <see cref="LogAnalyzer"/>, turned into a conclusion.</summary>
public sealed class LogRule : ICrashRule
{
    const double MaxConfidence = 0.9;

    public RuleMatch? Evaluate(CrashFacts facts)
    {
        var verdict = facts.Verdict;
        if (verdict is null || verdict.Score < facts.Options.MinLogScore)
            return null;

        var line = DecisiveLine.Resolve(facts.Log, verdict.Line, verdict.Cause);
        var times = DecisiveLine.Occurrences(facts.Log, verdict.Line.Text.Trim());
        var quoted = times > 1 ? $"{line}  (× {times})" : line;
        var evidence = verdict.Supporting.Select(s => new Evidence("log", s.Text.Trim())).Where(e => e.Text != line)
            .Append(new Evidence("log", quoted)).ToList();
        if (facts.Terminated is not null) evidence.Insert(0, new("pod.status", StatusText.Terminated(facts)));
        // A log that is the termination message is already quoted by the status line.
        if (facts.Log.Source == Collect.LogSource.TerminationMessage && facts.Terminated?.Message?.Contains(line, StringComparison.Ordinal) == true)
            evidence.RemoveAll(e => e.Source == "log");

        return new RuleMatch(verdict.Cause, Math.Min(MaxConfidence, Math.Round(verdict.Score, 2)), Summary(verdict.Cause, facts, line))
        {
            Evidence = evidence,
            Detail = line,
            Rule = $"{nameof(LogRule)}:{verdict.Pattern.Name}",
        };
    }

    static string Summary(string cause, CrashFacts facts, string line)
    {
        var c = facts.ContainerName;
        var quoted = Text.Quote(line);
        return cause switch
        {
            Causes.WrongArchitecture => $"The image of {c} holds a binary for another CPU architecture: {quoted}.",
            Causes.RuntimeOutOfMemory => $"The runtime in {c} ran out of heap memory: {quoted}.",
            Causes.BadCommand => $"The command of {c} cannot be executed: {quoted}.",
            Causes.NativeCrash => $"The process in {c} crashed on a fatal signal: {quoted}.",
            Causes.ConfigError => $"{c} exits on startup because a setting is missing or invalid: {quoted}.",
            Causes.DependencyUnavailable => $"{c} exits because it cannot reach a service it needs{TargetText(line)}: {quoted}.",
            Causes.PermissionDenied => $"{c} is denied access{PathText(line)}: {quoted}.",
            _ => $"{c} crashes with an unhandled error: {quoted}.",
        };
    }

    static string TargetText(string line) => Targets.HostPort(line) is { } target ? $" ({target})" : "";

    static string PathText(string line) => Targets.Path(line) is { } path ? $" to {path}" : "";
}
