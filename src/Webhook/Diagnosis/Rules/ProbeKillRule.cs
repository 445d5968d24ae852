namespace Webhook.Diagnosis;

/// <summary>
/// The kubelet restarted the container because a liveness or startup probe failed during the instance's
/// lifetime: a Killing "failed liveness probe" event, or Unhealthy events with a kill-like exit (137/143/0).
/// </summary>
public sealed class ProbeKillRule : ICrashRule
{
    public RuleMatch? Evaluate(CrashFacts facts)
    {
        if (facts.Terminated?.Reason == "OOMKilled")
            return null;
        var during = facts.Events
            .Where(e => ContainerEvents.During(e, facts.Terminated?.StartedAt, facts.Terminated?.FinishedAt, facts.Options.EventSlackSeconds))
            .ToList();
        var killing = during.FirstOrDefault(e => e.Reason == "Killing" && ProbeText.IsProbe(e.Message));
        var unhealthy = during.Where(e => e.Reason == "Unhealthy" && ProbeText.IsKillingProbe(e.Message)).ToList();
        if (killing is null && unhealthy.Count == 0)
            return EarlierKill(facts);

        var killLike = EndedLikeAKill(facts);
        var confidence = killing is not null ? (killLike ? 0.93 : 0.75) : killLike ? 0.85 : 0.4;
        var probe = ProbeText.Kind(killing?.Message ?? unhealthy.Select(e => e.Message).FirstOrDefault());
        var failure = unhealthy.FirstOrDefault()?.Message?.Trim().TrimEnd(':');

        var evidence = new List<Evidence>();
        if (facts.Terminated is not null) evidence.Add(new("pod.status", StatusText.Terminated(facts)));
        if (killing is not null) evidence.Add(new("event", ContainerEvents.Describe(killing)));
        evidence.AddRange(unhealthy.Take(2).Select(e => new Evidence("event", ContainerEvents.Describe(e))));

        return new RuleMatch(Causes.ProbeFailure, confidence,
            $"The kubelet keeps restarting {facts.ContainerName} because its {probe} probe fails" +
            (string.IsNullOrEmpty(failure) || failure.EndsWith("probe failed", StringComparison.OrdinalIgnoreCase) ? "." : $": {Text.Clip(failure, 160)}."))
        {
            Evidence = evidence,
            Detail = probe,
            Rule = nameof(ProbeKillRule),
        };
    }

    /// <summary>
    /// A probe killed an earlier instance, not this one: weak evidence (the last instance died on its own), but an
    /// instance killed mid-start can leave a lock or a half-done migration that every later start trips on, so it
    /// is named as the alternative to whatever the log says.
    /// </summary>
    static RuleMatch? EarlierKill(CrashFacts facts)
    {
        var earlier = facts.Events.FirstOrDefault(e => e.Reason == "Killing" && ProbeText.IsProbe(e.Message));
        if (earlier is null)
            return null;
        var probe = ProbeText.Kind(earlier.Message);
        return new RuleMatch(Causes.ProbeFailure, 0.45,
            $"An earlier instance of {facts.ContainerName} was killed by its {probe} probe; the last one exited on its own.")
        {
            Evidence = [new("event", ContainerEvents.Describe(earlier))],
            Detail = probe,
            Rule = nameof(ProbeKillRule) + ":earlier",
        };
    }

    /// <summary>
    /// The kubelet stops a container with SIGTERM then SIGKILL: 143, 137, or 0 / 130 from an app that exits
    /// cleanly on SIGTERM, or any error exit with nothing in the log to say the app died on its own.
    /// </summary>
    static bool EndedLikeAKill(CrashFacts facts) =>
        facts.ExitCode is null or 137 or 143 or 0 or 130 || facts.Verdict is null;
}
