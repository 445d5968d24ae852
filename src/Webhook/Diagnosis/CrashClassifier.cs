using Webhook.Collect;

namespace Webhook.Diagnosis;

/// <summary>
/// Runs every rule over the snapshot's facts and keeps the most confident conclusion; the other causes that
/// matched become the alternatives. Finders then read the snapshot into findings, and the next steps are written
/// from those findings. Structured rules carry higher confidences than log text, as taxonomy.md orders them;
/// weak structured signals (137 without OOMKilled, SIGABRT) sit low enough for a specific log line to outrank them.
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
        new ConfigSignalRule(),
        new LogRule(),
        new QuotedValueRule(),
        // From the answers to follow-up questions: a configured dependency with no ready endpoint.
        new UnreadyDependencyRule(),
    ];

    /// <summary>A runner-up below this confidence is noise, not an alternative worth naming.</summary>
    const double MinAlternative = 0.25;

    public CrashClassifier() : this(new ClassifierOptions()) { }

    public CrashDiagnosis Classify(PodSnapshot snapshot)
    {
        var facts = CrashFacts.From(snapshot, options);
        var matches = new List<RuleMatch>();
        foreach (var rule in DefaultRules)
            if (rule.Evaluate(facts) is { } match) matches.Add(match);
        // Stable: on equal confidence the earlier (structured) rule wins, as before.
        var best = matches.Count == 0 ? UnknownMatch.For(facts) : matches.Aggregate((a, b) => b.Confidence > a.Confidence ? b : a);
        var confidence = Math.Round(Agrees(best, facts) ? Math.Min(0.97, best.Confidence + 0.05) : best.Confidence, 2);
        var alternatives = Alternatives(best, matches, facts);

        var findings = Finders.Collect(facts, best);
        var steps = Remedies.For(best, facts, findings).ToList();
        if (Certainty.Of(confidence, best.Cause) != "certain" && alternatives.Count > 0)
            steps.Insert(0, TellApart.Step(best.Cause, alternatives[0].Cause, facts));

        return new CrashDiagnosis
        {
            Cause = best.Cause,
            Confidence = confidence,
            Summary = best.Summary,
            Evidence = WithAgreeingLog(best, facts),
            Remediation = steps,
            Commands = KubectlCommands.For(best.Cause, facts),
            Change = ProposedChanges.For(best, facts, findings),
            Container = facts.ContainerName,
            ExitCode = facts.ExitCode,
            Signal = Signals.ForExitCode(facts.ExitCode),
            RestartCount = facts.Status?.RestartCount,
            Missing = MissingEvidence.For(facts),
            Findings = findings.All,
            Alternatives = alternatives,
        };
    }

    /// <summary>The best confidence of every other cause a rule or the log pointed at.</summary>
    static IReadOnlyList<Alternative> Alternatives(RuleMatch best, IReadOnlyList<RuleMatch> matches, CrashFacts facts)
    {
        var candidates = matches.Select(m => (m.Cause, m.Confidence))
            .Concat(facts.Verdict?.Others.Select(o => (o.Cause, Confidence: Math.Min(0.9, o.Score))) ?? [])
            .Concat(facts.Verdict is { } v ? [(v.Cause, Math.Min(0.9, v.Score))] : []);
        return candidates
            .Where(c => c.Cause != best.Cause && c.Cause != Causes.Unknown && c.Confidence >= MinAlternative)
            .GroupBy(c => c.Cause)
            .Select(g => new Alternative(g.Key, Math.Round(g.Max(c => c.Confidence), 2)))
            .OrderByDescending(a => a.Confidence)
            .Take(2)
            .ToList();
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
