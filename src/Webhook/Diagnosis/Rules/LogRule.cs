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

        var line = WithContinuation(verdict.Line, facts.Log);
        var evidence = verdict.Supporting.Select(s => new Evidence("log", s.Text.Trim())).Append(new Evidence("log", line)).ToList();
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

    /// <summary>A line ending in ':' (Rust's "panicked at src/main.rs:14:5:") carries its message on the next line.</summary>
    static string WithContinuation(LogLine line, LogView log)
    {
        var text = line.Text.Trim();
        var next = line.Index + 1 < log.Lines.Count ? log.Lines[line.Index + 1] : null;
        return text.EndsWith(':') && next is { IsFrame: false } && !string.IsNullOrWhiteSpace(next.Text) ? $"{text} {next.Text.Trim()}" : text;
    }

    static string TargetText(string line) => Targets.HostPort(line) is { } target ? $" ({target})" : "";

    static string PathText(string line) => Targets.Path(line) is { } path ? $" to {path}" : "";
}
