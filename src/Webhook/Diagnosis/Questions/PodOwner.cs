using k8s.Models;

namespace Webhook.Diagnosis;

/// <summary>The workload a pod belongs to, from its own owner reference: a ReplicaSet's Deployment by the pod-template-hash.</summary>
public static class PodOwner
{
    public static (string Kind, string Name)? Of(V1Pod? pod)
    {
        var owner = pod?.Metadata?.OwnerReferences?.FirstOrDefault(o => o.Controller == true) ?? pod?.Metadata?.OwnerReferences?.FirstOrDefault();
        if (owner?.Name is null) return null;
        if (owner.Kind == "ReplicaSet")
        {
            var hash = pod!.Metadata.Labels?.TryGetValue("pod-template-hash", out var h) == true ? h : null;
            return hash is not null && owner.Name.EndsWith("-" + hash, StringComparison.Ordinal)
                ? ("Deployment", owner.Name[..^(hash.Length + 1)])
                : null;
        }
        return owner.Kind is "StatefulSet" or "DaemonSet" ? (owner.Kind, owner.Name) : null;
    }
}
