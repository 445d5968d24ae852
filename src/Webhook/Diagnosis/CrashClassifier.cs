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

        return new CrashDiagnosis
        {
            Cause = best.Cause,
            Confidence = best.Confidence,
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

    /// <summary>A structured conclusion the log agrees with also quotes the log line.</summary>
    static IReadOnlyList<Evidence> WithAgreeingLog(RuleMatch best, CrashFacts facts)
    {
        if (best.Rule.StartsWith(nameof(LogRule), StringComparison.Ordinal) || facts.Verdict is not { } verdict || verdict.Cause != best.Cause)
            return best.Evidence;
        return [.. best.Evidence, new Evidence("log", verdict.Line.Text.Trim())];
    }
}
