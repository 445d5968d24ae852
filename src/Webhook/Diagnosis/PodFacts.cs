using System.Globalization;
using k8s.Models;
using Webhook.Collect;

namespace Webhook.Diagnosis;

/// <summary>
/// The facts every rendering shows beside a diagnosis (namespace, pod, container, node, exit, restarts, last run,
/// owner, image, recent change), from the snapshot alone: Slack, Teams, the console and <c>diagnose</c> print the
/// same list.
/// </summary>
public static class PodFacts
{
    public static IEnumerable<(string Name, string Value)> For(PodSnapshot snapshot, CrashDiagnosis d, string? ns = null, string? pod = null)
    {
        ns ??= snapshot.Namespace;
        pod ??= snapshot.PodName;
        var container = d.Container ?? snapshot.Container;
        var status = (snapshot.Pod?.Status?.ContainerStatuses ?? []).Concat(snapshot.Pod?.Status?.InitContainerStatuses ?? [])
            .FirstOrDefault(s => s.Name == container);
        yield return ("Namespace", ns);
        yield return ("Pod", pod);
        if (container is not null) yield return ("Container", container);
        var node = snapshot.Node?.Name ?? snapshot.Pod?.Spec?.NodeName;
        if (node is not null)
            yield return ("Node", snapshot.Node?.Pressure is { Count: > 0 } p ? $"{node} ({string.Join(", ", p)})" : node);
        var terminated = status?.LastState?.Terminated ?? status?.State?.Terminated;
        if ((d.ExitCode ?? terminated?.ExitCode) is { } code)
            yield return ("Exit code", (Signals.ForExitCode(code) is { } signal ? $"{code} ({signal})" : code.ToString(CultureInfo.InvariantCulture))
                + (terminated?.Reason is { } r ? $" {r}" : ""));
        if ((d.RestartCount ?? status?.RestartCount) is { } restarts)
            yield return ("Restarts", restarts.ToString(CultureInfo.InvariantCulture));
        // A runtime that never started the process reports the zero time (or none) as startedAt.
        if (terminated is not null && (terminated.StartedAt is null || terminated.StartedAt.Value.Year <= 2000))
            yield return ("Last run", terminated.FinishedAt is { } at ? $"never started (failed at {at:HH:mm:ss} UTC)" : "never started");
        else if (terminated?.StartedAt is { } started && terminated.FinishedAt is { } finished)
            yield return ("Last run", $"{started:HH:mm:ss} → {finished:HH:mm:ss} UTC ({StatusText.Duration(finished - started)})");
        if (snapshot.Workload is { } w)
            yield return ("Owner", w.Revision is null ? $"{w.Kind} {w.Name}" : $"{w.Kind} {w.Name}, revision {w.Revision}");
        else if (snapshot.Pod?.Metadata?.OwnerReferences?.FirstOrDefault(o => o.Controller == true) is { } owner)
            yield return ("Owner", $"{owner.Kind} {owner.Name}");
        var image = status?.Image ?? snapshot.Pod?.Spec?.Containers?.Concat(snapshot.Pod.Spec.InitContainers ?? []).FirstOrDefault(c => c.Name == container)?.Image;
        if (image is not null) yield return ("Image", image);
        if (snapshot.Workload?.Changes is { Count: > 0 } changes)
            yield return ("Recent change", string.Join("; ", changes));
    }
}
