using k8s.Models;

namespace Webhook.Collect;

/// <summary>
/// What the collector found about one crash-looping pod: the raw Kubernetes objects plus bounded log tails.
/// Every part is optional; what could not be fetched is named in <see cref="Gaps"/>.
/// The classifier reads only this record, so a bundle on disk and a live cluster look the same to it.
/// </summary>
public sealed record PodSnapshot
{
    public required string Namespace { get; init; }
    public required string PodName { get; init; }
    /// <summary>The container the logs belong to and the diagnosis is about (the alert's label, else the most restarted).</summary>
    public string? Container { get; init; }
    public V1Pod? Pod { get; init; }
    public IReadOnlyList<Corev1Event> Events { get; init; } = [];
    /// <summary>The crashed instance's log tail (or the fallback of reference.md; see <see cref="LogTail.Source"/>).</summary>
    public LogTail? PreviousLog { get; init; }
    /// <summary>The running instance's log tail: secondary evidence.</summary>
    public LogTail? CurrentLog { get; init; }
    public WorkloadInfo? Workload { get; init; }
    public NodeInfo? Node { get; init; }
    /// <summary>Named gaps such as "pod no longer exists" or "events: forbidden".</summary>
    public IReadOnlyList<string> Gaps { get; init; } = [];
    /// <summary>
    /// Answers to follow-up questions, as the API returned them (ConfigMap values already emptied), keyed as the
    /// bundle names them: "Service.shop.db", "EndpointSlice.shop.db-x7k2p", "Node.node-a-1" (taxonomy.md, objects/).
    /// </summary>
    public IReadOnlyDictionary<string, string> Objects { get; init; } = new Dictionary<string, string>();
    /// <summary>Prometheus query_range answers by name, e.g. "memory_working_set" (taxonomy.md, metrics/).</summary>
    public IReadOnlyDictionary<string, string> Metrics { get; init; } = new Dictionary<string, string>();

    public static PodSnapshot AlertOnly(string ns, string pod, string? container, string gap) =>
        new() { Namespace = ns, PodName = pod, Container = container, Gaps = [gap] };
}

public enum LogSource { Previous, TerminationMessage, Current }

/// <summary>A bounded tail of a log; <see cref="Truncated"/> when lines or bytes were cut off at the start.</summary>
public sealed record LogTail(string Text, LogSource Source, bool Truncated = false);

/// <summary>The workload that owns the pod and what changed in its latest pod template.</summary>
public sealed record WorkloadInfo
{
    public required string Kind { get; init; }
    public required string Name { get; init; }
    public string? Revision { get; init; }
    /// <summary>The revision <see cref="Changes"/> compare against, when one was found.</summary>
    public string? PreviousRevision { get; init; }
    /// <summary>The object that holds the previous template (a Deployment's ReplicaSet), to name what a rollback returns to.</summary>
    public string? PreviousName { get; init; }
    public DateTimeOffset? TemplateCreatedAt { get; init; }
    /// <summary>Human-readable differences against the previous template, e.g. "image api:1.8.2 → api:1.9.0".</summary>
    public IReadOnlyList<string> Changes { get; init; } = [];
}

public sealed record NodeInfo
{
    public required string Name { get; init; }
    /// <summary>Conditions that are True among MemoryPressure, DiskPressure, PIDPressure.</summary>
    public IReadOnlyList<string> Pressure { get; init; } = [];
    public string? AllocatableMemory { get; init; }
}
