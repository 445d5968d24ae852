using k8s.Models;
using Webhook.Collect;

namespace Webhook.Diagnosis;

/// <summary>
/// One line on another pod (a dependency's), from its Pod object alone: its state and, when it crashes, its own
/// cause from the same engine ("CrashLoopBackOff, OOM killed at 256Mi, 14 restarts"). One hop: its answers are not followed.
/// </summary>
public static class PodState
{
    public sealed record Line(string Text, string? Cause);

    public static Line Describe(V1Pod pod, ClassifierOptions options)
    {
        var name = CrashFacts.MostRestarted(pod);
        var status = (pod.Status?.ContainerStatuses ?? []).Concat(pod.Status?.InitContainerStatuses ?? []).FirstOrDefault(s => s.Name == name);
        var spec = (pod.Spec?.Containers ?? []).Concat(pod.Spec?.InitContainers ?? []).FirstOrDefault(c => c.Name == name);
        if (pod.Status?.Phase == "Pending" && status?.State?.Waiting?.Reason is null or "ContainerCreating" or "PodInitializing")
        {
            var unscheduled = pod.Status.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled" && c.Status == "False");
            return new(unscheduled?.Reason is { } r ? $"Pending ({r}: {Text.Clip(unscheduled.Message ?? "", 120)})" : "Pending", null);
        }
        var parts = new List<string>();
        if (status?.State?.Waiting?.Reason is { } waiting) parts.Add(waiting);
        else if (status?.State?.Running is not null) parts.Add(status.Ready ? "running and ready" : "running, not ready");
        else if (pod.Status?.Phase is { } phase) parts.Add(phase);
        var terminated = status?.LastState?.Terminated ?? status?.State?.Terminated;
        if (terminated is { Reason: "OOMKilled" })
            parts.Add(spec?.Resources?.Limits?.TryGetValue("memory", out var limit) == true ? $"OOM killed at {limit}" : "OOM killed");
        else if (terminated is not null)
            parts.Add($"exit {terminated.ExitCode}{(terminated.Reason is { } r && r != "Error" ? $" ({r})" : "")}");
        if (status?.RestartCount is > 0 and var restarts) parts.Add($"{restarts} restart{(restarts == 1 ? "" : "s")}");
        string? cause = null;
        if (terminated is not null)
        {
            var own = new CrashClassifier(options).Classify(new PodSnapshot
            {
                Namespace = pod.Metadata?.NamespaceProperty ?? "", PodName = pod.Metadata?.Name ?? "", Container = name, Pod = pod,
            });
            cause = own.Cause == Causes.Unknown ? null : own.Cause;
        }
        return new(parts.Count == 0 ? "in an unknown state" : string.Join(", ", parts), cause);
    }
}
