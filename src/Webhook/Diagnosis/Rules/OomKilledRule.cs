namespace Webhook.Diagnosis;

/// <summary>The kernel OOM killer's own verdict: terminated.reason OOMKilled.</summary>
public sealed class OomKilledRule : ICrashRule
{
    public RuleMatch? Evaluate(CrashFacts facts)
    {
        if (facts.Terminated?.Reason != "OOMKilled")
            return null;
        var limit = facts.MemoryLimit();
        return new RuleMatch(Causes.OomKilled, 0.95,
            $"The kernel OOM killer ended container {facts.ContainerName} at its memory limit ({limit?.ToString() ?? "no limit set"}).")
        {
            Evidence = limit is null
                ? [new("pod.status", StatusText.Terminated(facts))]
                : [new("pod.status", StatusText.Terminated(facts)), new("pod.status", $"spec.containers[{facts.ContainerName}].resources.limits.memory: {limit}")],
            Rule = nameof(OomKilledRule),
        };
    }
}
