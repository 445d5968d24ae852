namespace Webhook.Diagnosis;

/// <summary>
/// Exit 137 (SIGKILL) without the OOMKilled reason and without a probe kill: most often the kernel OOM
/// killer all the same; an outside kill when a non-probe Killing/Preempting/Evicted event says so.
/// Exit 143 (SIGTERM) without a probe: stopped from outside.
/// </summary>
public sealed class SigkillRule : ICrashRule
{
    static readonly string[] OutsideReasons = ["Killing", "Preempting", "Evicted", "NodeShutdown", "Shutdown"];

    public RuleMatch? Evaluate(CrashFacts facts)
    {
        if (facts.ExitCode is not (137 or 143) || facts.Terminated?.Reason == "OOMKilled")
            return null;
        var outside = facts.Events.FirstOrDefault(e => OutsideReasons.Contains(e.Reason) && !ProbeText.IsProbe(e.Message)
            && ContainerEvents.During(e, facts.Terminated?.StartedAt, facts.Terminated?.FinishedAt, facts.Options.EventSlackSeconds));
        var status = new Evidence("pod.status", StatusText.Terminated(facts));

        if (outside is not null || facts.ExitCode == 143)
        {
            Evidence[] evidence = outside is null ? [status] : [status, new("event", ContainerEvents.Describe(outside))];
            return new RuleMatch(Causes.Unknown, 0.45,
                $"Container {facts.ContainerName} was stopped from outside ({Signals.ForExitCode(facts.ExitCode)}), not by a probe or the OOM killer.")
            { Evidence = evidence, Rule = nameof(SigkillRule) };
        }

        var limit = facts.MemoryLimit();
        // A node under memory pressure kills at node level, with or without a container limit.
        if (facts.Snapshot.Node is { } node && node.Pressure.Contains("MemoryPressure"))
            return new RuleMatch(Causes.OomKilled, 0.7,
                $"Container {facts.ContainerName} was killed with SIGKILL (exit 137) while node {node.Name} was under memory pressure.")
            { Evidence = [status, new("pod.status", $"node {node.Name}: MemoryPressure=True")], Rule = nameof(SigkillRule) };
        return new RuleMatch(Causes.OomKilled, limit is null ? 0.55 : 0.6,
            $"Container {facts.ContainerName} was killed with SIGKILL (exit 137) and no probe failed: most likely the OOM killer at its memory limit ({limit?.ToString() ?? "no limit set"}).")
        { Evidence = [status], Rule = nameof(SigkillRule) };
    }
}
