namespace Webhook.Collect.Prometheus;

/// <summary>
/// The names memory answers go by in <see cref="PodSnapshot.Metrics"/> and a bundle's metrics/NAME.json
/// (taxonomy.md), and the PromQL behind each. Shared by the collector and the pure finder.
/// </summary>
public static class MemoryMetrics
{
    /// <summary>cAdvisor's <c>container_memory_working_set_bytes</c>: what the OOM killer compares with the limit.</summary>
    public const string WorkingSet = "memory_working_set";
    /// <summary>cAdvisor's <c>container_oom_events_total</c> (where the kubelet exposes it).</summary>
    public const string OomEvents = "oom_events";
    /// <summary>kube-state-metrics' <c>kube_pod_container_resource_limits{resource="memory"}</c>.</summary>
    public const string Limit = "memory_limit";

    /// <summary>The objects/ key of metrics-server's PodMetrics (current usage, when there is no history).</summary>
    public static string PodMetricsKey(string ns, string pod) => $"PodMetrics.{ns}.{pod}";

    /// <summary>name → PromQL for one container; an exact container matcher also leaves out the pod-level series (container="").</summary>
    public static IReadOnlyList<(string Name, string Query)> Queries(string ns, string pod, string container)
    {
        var selector = $"namespace=\"{Escape(ns)}\",pod=\"{Escape(pod)}\",container=\"{Escape(container)}\"";
        return
        [
            (WorkingSet, $"container_memory_working_set_bytes{{{selector}}}"),
            (OomEvents, $"container_oom_events_total{{{selector}}}"),
            (Limit, $"kube_pod_container_resource_limits{{{selector},resource=\"memory\"}}"),
        ];
    }

    static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
