using System.Diagnostics;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Webhook.Alerts;

namespace Webhook.Collect;

/// <summary>
/// Collects what <c>kubectl describe pod</c> and <c>kubectl logs --previous</c> would show for an alert,
/// in parallel under one deadline. Whatever fails or is late becomes a named gap; the rest is kept.
/// </summary>
public sealed class KubernetesPodCollector(
    KubernetesConnections connections, ApiCallLimiter limiter, KubernetesOptions options, ILogger<KubernetesPodCollector> logger)
    : IPodCollector
{
    readonly NamespaceFilter namespaces = new(options.Namespaces);

    public async Task<PodSnapshot> CollectAsync(AlertContext alert, CancellationToken cancellationToken)
    {
        var ns = alert.Namespace ?? "";
        var podName = alert.Pod ?? "";
        var container = alert.Container;
        if (WhyNotInspected(alert) is { } reason)
        {
            CollectLog.NotInspected(logger, ns, podName, reason);
            return PodSnapshot.AlertOnly(ns, podName, container, reason);
        }
        var connection = connections.Resolve(alert.Cluster);
        if (connection.Api is null)
            return PodSnapshot.AlertOnly(ns, podName, container, connection.Gap!);

        var started = Stopwatch.GetTimestamp();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Deadline);
        var run = new CollectRun(connection.Api, limiter, options.Deadline, deadline.Token, cancellationToken);
        if (container is not null && !KubernetesNames.IsDnsLabel(container))
        {
            run.AddGap($"container label '{container}' is not a valid Kubernetes name; chose the most restarted container");
            container = null;
        }

        var podGone = false;
        var podTask = run.TryAsync("pod", (api, ct) => api.GetPodAsync(ns, podName, ct), e =>
        {
            podGone = ApiGaps.IsNotFound(e);
            return podGone ? "pod no longer exists" : run.Describe("pod", e);
        });
        var eventsTask = run.TryAsync("events", (api, ct) => api.ListPodEventsAsync(ns, podName, ct));
        var logs = container is null ? null : StartLogs(run, ns, podName, container);

        var pod = await podTask;
        if (pod is not null && alert.PodUid is { } uid && pod.Metadata.Uid is { } current && uid != current)
            run.AddGap($"pod was replaced since the alert (alert uid {uid}, now {current}); showing the new pod");
        container ??= MostRestartedContainer(pod);
        if (logs is null && container is not null)
            logs = StartLogs(run, ns, podName, container);

        var workloadTask = pod is null ? Task.FromResult<WorkloadInfo?>(null) : WorkloadResolver.ResolveAsync(run, pod);
        var nodeTask = NodeAsync(run, pod);
        var events = await eventsTask;
        var (previousLog, currentLog) = logs is null ? (null, null) : await logs.ChooseAsync(run, pod, podGone);
        var workload = await workloadTask;
        var node = await nodeTask;
        // Every call has ended here, so the gaps are complete.
        var snapshot = new PodSnapshot
        {
            Namespace = ns,
            PodName = podName,
            Container = container,
            Pod = pod,
            Events = events?.OrderBy(EventTime).ToList() ?? [],
            PreviousLog = previousLog,
            CurrentLog = currentLog,
            Workload = workload,
            Node = node,
            Gaps = run.Gaps,
        };
        if (pod is not null)
            PodRedaction.Redact(pod);
        if (logger.IsEnabled(LogLevel.Debug))
            CollectLog.Collected(logger, ns, podName, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds, snapshot.Gaps.Count, string.Join("; ", snapshot.Gaps));
        return snapshot;
    }

    string? WhyNotInspected(AlertContext alert)
    {
        if (alert.Namespace is null || alert.Pod is null)
            return "the alert has no namespace or pod label; nothing to inspect";
        if (!KubernetesNames.IsDnsLabel(alert.Namespace))
            return $"namespace label '{alert.Namespace}' is not a valid Kubernetes name; not inspected";
        if (!KubernetesNames.IsDnsSubdomain(alert.Pod))
            return $"pod label '{alert.Pod}' is not a valid Kubernetes name; not inspected";
        return namespaces.WhyDenied(alert.Namespace);
    }

    PodLogs StartLogs(CollectRun run, string ns, string pod, string container) => PodLogs.Start(run, ns, pod, container, options.Logs);

    /// <summary>The container the taxonomy says to diagnose when the alert names none: the most restarted, init containers included.</summary>
    public static string? MostRestartedContainer(V1Pod? pod) =>
        (pod?.Status?.InitContainerStatuses ?? []).Concat(pod?.Status?.ContainerStatuses ?? [])
            .OrderByDescending(s => s.RestartCount)
            .Select(s => s.Name)
            .FirstOrDefault(KubernetesNames.IsDnsLabel);

    static async Task<NodeInfo?> NodeAsync(CollectRun run, V1Pod? pod)
    {
        if (pod?.Spec?.NodeName is not { } name || !KubernetesNames.IsDnsSubdomain(name))
            return null;
        var node = await run.TryAsync("node", (api, ct) => api.GetNodeAsync(name, ct));
        if (node is null)
            return new NodeInfo { Name = name };
        string[] pressures = ["MemoryPressure", "DiskPressure", "PIDPressure"];
        return new NodeInfo
        {
            Name = name,
            Pressure = (node.Status?.Conditions ?? []).Where(c => pressures.Contains(c.Type) && c.Status == "True").Select(c => c.Type).ToList(),
            AllocatableMemory = node.Status?.Allocatable?.TryGetValue("memory", out var memory) == true ? memory.ToString() : null,
        };
    }

    static DateTime EventTime(Corev1Event e) =>
        e.LastTimestamp ?? e.EventTime ?? e.FirstTimestamp ?? e.Metadata?.CreationTimestamp ?? DateTime.MinValue;
}
