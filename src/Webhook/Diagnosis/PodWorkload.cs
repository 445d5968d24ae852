using k8s.Models;
using Webhook.Collect;

namespace Webhook.Diagnosis;

/// <summary>How the workload of a pod is known.</summary>
public enum WorkloadBasis
{
    /// <summary>The collector followed the owner chain to it.</summary>
    Collected,

    /// <summary>A ReplicaSet owner whose name ends in the pod's pod-template-hash: its Deployment.</summary>
    TemplateHash,

    /// <summary>A ReplicaSet owner without the label whose last name part is hash-shaped: probably its Deployment.</summary>
    NameShape,

    /// <summary>The owner reference itself (a StatefulSet, a DaemonSet, a Job, a bare ReplicaSet…).</summary>
    OwnerReference,
}

/// <summary>
/// The workload a pod belongs to, the one answer for the follow-up questions, the findings, the fixes and the
/// messages: the workload the collector resolved, else the pod's controller (else its first owner reference),
/// where a ReplicaSet stands for its Deployment. Pure; callers choose which bases they accept.
/// </summary>
public sealed record PodWorkload(string Kind, string Name, WorkloadBasis By, V1OwnerReference? Owner)
{
    public static PodWorkload? Of(CrashFacts facts) => Of(facts.Snapshot.Pod, facts.Snapshot.Workload);

    public static PodWorkload? Of(V1Pod? pod, WorkloadInfo? collected = null)
    {
        var meta = pod?.Metadata;
        var owner = meta?.OwnerReferences?.FirstOrDefault(o => o.Controller == true) ?? meta?.OwnerReferences?.FirstOrDefault();
        if (collected is not null)
            return new PodWorkload(collected.Kind, collected.Name, WorkloadBasis.Collected, owner);
        if (owner?.Name is not { } name || owner.Kind is not { } kind)
            return null;
        if (kind != "ReplicaSet")
            return new PodWorkload(kind, name, WorkloadBasis.OwnerReference, owner);
        if (meta!.Labels?.TryGetValue("pod-template-hash", out var hash) == true && name.EndsWith("-" + hash, StringComparison.Ordinal))
            return new PodWorkload("Deployment", name[..^(hash.Length + 1)], WorkloadBasis.TemplateHash, owner);
        // A pod-template-hash is 5 to 10 characters; a ReplicaSet named otherwise was created on its own.
        var dash = name.LastIndexOf('-');
        return dash > 0 && name.Length - dash - 1 is >= 5 and <= 10
            ? new PodWorkload("Deployment", name[..dash], WorkloadBasis.NameShape, owner)
            : new PodWorkload(kind, name, WorkloadBasis.OwnerReference, owner);
    }

    /// <summary>
    /// The workload whose template and status the pod alone names for sure, to ask the API about: a Deployment by its
    /// pod-template-hash, a StatefulSet or a DaemonSet.
    /// </summary>
    public static (string Kind, string Name)? Controller(V1Pod? pod) => Of(pod) switch
    {
        { By: WorkloadBasis.TemplateHash } w => (w.Kind, w.Name),
        { By: WorkloadBasis.OwnerReference, Kind: "StatefulSet" or "DaemonSet" } w => (w.Kind, w.Name),
        _ => null,
    };
}
