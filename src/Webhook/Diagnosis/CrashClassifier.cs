using Webhook.Collect;

namespace Webhook.Diagnosis;

/// <summary>
/// Runs every rule over the snapshot's facts and keeps the most confident conclusion. Structured rules
/// carry higher confidences than log text, as taxonomy.md orders them; weak structured signals (137
/// without OOMKilled, SIGABRT) sit low enough for a specific log line to outrank them.
/// </summary>
public sealed class CrashClassifier(ClassifierOptions options) : ICrashClassifier
{
    public static readonly IReadOnlyList<ICrashRule> DefaultRules =
    [
        new OomKilledRule(),
        new ProbeKillRule(),
        new StartFailureRule(),
        new MissingConfigRefRule(),
        new NotExecutableExitRule(),
        new CleanExitRule(),
        new FatalSignalRule(),
        new SigkillRule(),
        new LogRule(),
    ];

    public CrashClassifier() : this(new ClassifierOptions()) { }

    public CrashDiagnosis Classify(PodSnapshot snapshot)
    {
        var facts = CrashFacts.From(snapshot, options);
        RuleMatch? best = null;
        foreach (var rule in DefaultRules)
        {
            var match = rule.Evaluate(facts);
            if (match is not null && (best is null || match.Confidence > best.Confidence))
                best = match;
        }
        best ??= UnknownMatch.For(facts);
        var confidence = Agrees(best, facts) ? Math.Min(0.97, best.Confidence + 0.05) : best.Confidence;

        return new CrashDiagnosis
        {
            Cause = best.Cause,
            Confidence = Math.Round(confidence, 2),
            Summary = best.Summary,
            Evidence = WithAgreeingLog(best, facts),
            Remediation = Remedies.For(best, facts),
            Commands = KubectlCommands.For(best.Cause, facts),
            Container = facts.ContainerName,
            ExitCode = facts.ExitCode,
            Signal = Signals.ForExitCode(facts.ExitCode),
            RestartCount = facts.Status?.RestartCount,
            Missing = MissingEvidence.For(facts),
        };
    }

    /// <summary>A structured conclusion the log agrees with (two independent signals) is surer, and quotes the log line.</summary>
    static bool Agrees(RuleMatch best, CrashFacts facts) =>
        !best.Rule.StartsWith(nameof(LogRule), StringComparison.Ordinal) && facts.Verdict is { } verdict && verdict.Cause == best.Cause
        && verdict.Score >= facts.Options.MinLogScore;

    static IReadOnlyList<Evidence> WithAgreeingLog(RuleMatch best, CrashFacts facts)
    {
        if (!Agrees(best, facts)) return best.Evidence;
        var line = facts.Verdict!.Line.Text.Trim();
        return best.Evidence.Any(e => e.Text.Contains(line, StringComparison.Ordinal)) ? best.Evidence : [.. best.Evidence, new Evidence("log", line)];
    }
}
