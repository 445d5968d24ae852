using k8s.Models;

namespace Webhook.Collect;

/// <summary>
/// Follows a pod's controller references up to the workload a person deploys (Deployment, StatefulSet,
/// DaemonSet, Job, CronJob) and, for a Deployment, compares the pod's ReplicaSet with the one before it.
/// </summary>
public static class WorkloadResolver
{
    const string RevisionAnnotation = "deployment.kubernetes.io/revision";
    const string TemplateHashLabel = "pod-template-hash";
    const string ControllerRevisionLabel = "controller-revision-hash";

    public static async Task<WorkloadInfo?> ResolveAsync(CollectRun run, V1Pod pod)
    {
        var ns = pod.Metadata.NamespaceProperty;
        var owner = Controller(pod.Metadata);
        if (owner is null)
            return null;
        if (!KubernetesNames.IsDnsSubdomain(owner.Name))
        {
            run.AddGap($"owner {owner.Kind}: invalid name");
            return null;
        }
        var podRevision = pod.Metadata.Labels?.TryGetValue(ControllerRevisionLabel, out var r) == true ? r : null;
        switch (owner.Kind)
        {
            case "ReplicaSet":
                return await FromReplicaSetAsync(run, ns, owner.Name);
            case "StatefulSet":
                await run.TryAsync($"owner StatefulSet/{owner.Name}", (api, ct) => api.GetStatefulSetAsync(ns, owner.Name, ct));
                return new WorkloadInfo { Kind = "StatefulSet", Name = owner.Name, Revision = podRevision };
            case "DaemonSet":
                await run.TryAsync($"owner DaemonSet/{owner.Name}", (api, ct) => api.GetDaemonSetAsync(ns, owner.Name, ct));
                return new WorkloadInfo { Kind = "DaemonSet", Name = owner.Name, Revision = podRevision };
            case "Job":
                return await FromJobAsync(run, ns, owner.Name);
            default:
                // A custom controller (Argo Rollout, operator...): name it, the RBAC does not reach further.
                return new WorkloadInfo { Kind = owner.Kind, Name = owner.Name };
        }
    }

    static async Task<WorkloadInfo> FromReplicaSetAsync(CollectRun run, string ns, string name)
    {
        var rs = await run.TryAsync($"owner ReplicaSet/{name}", (api, ct) => api.GetReplicaSetAsync(ns, name, ct));
        if (rs is null)
            return new WorkloadInfo { Kind = "ReplicaSet", Name = name };
        var deployment = Controller(rs.Metadata);
        if (deployment is not { Kind: "Deployment" } || !KubernetesNames.IsDnsSubdomain(deployment.Name))
            return new WorkloadInfo { Kind = "ReplicaSet", Name = name, TemplateCreatedAt = Utc(rs.Metadata.CreationTimestamp) };

        var revision = Revision(rs);
        var deploymentTask = run.TryAsync($"owner Deployment/{deployment.Name}", (api, ct) => api.GetDeploymentAsync(ns, deployment.Name, ct));
        var previous = await PreviousReplicaSetAsync(run, ns, rs, deployment);
        var changes = new List<string>();
        if (previous is not null)
            changes.AddRange(TemplateChanges.Between(previous.Spec?.Template, rs.Spec?.Template));
        if (await deploymentTask is { } d && Revision(d.Metadata) is { } latest && revision is { } own && latest > own)
            changes.Add($"a newer revision {latest} of the Deployment exists; this pod runs revision {own}");
        return new WorkloadInfo
        {
            Kind = "Deployment",
            Name = deployment.Name,
            Revision = revision?.ToString(),
            TemplateCreatedAt = Utc(rs.Metadata.CreationTimestamp),
            PreviousRevision = previous is null ? null : Revision(previous)?.ToString(),
            Changes = changes,
        };
    }

    /// <summary>The ReplicaSet of the same Deployment with the highest revision below the pod's one.</summary>
    static async Task<V1ReplicaSet?> PreviousReplicaSetAsync(CollectRun run, string ns, V1ReplicaSet current, V1OwnerReference deployment)
    {
        if (Revision(current) is not { } revision || revision <= 1)
            return null;
        var labels = current.Spec?.Selector?.MatchLabels?.Where(l => l.Key != TemplateHashLabel).ToList() ?? [];
        if (labels.Count == 0)
            return null;
        var selector = string.Join(",", labels.Select(l => $"{l.Key}={l.Value}"));
        var siblings = await run.TryAsync("previous ReplicaSet", (api, ct) => api.ListReplicaSetsAsync(ns, selector, ct));
        return siblings?
            .Where(s => Controller(s.Metadata) is { } o && o.Uid == deployment.Uid && Revision(s) < revision)
            .MaxBy(Revision);
    }

    static async Task<WorkloadInfo> FromJobAsync(CollectRun run, string ns, string name)
    {
        var job = await run.TryAsync($"owner Job/{name}", (api, ct) => api.GetJobAsync(ns, name, ct));
        var created = Utc(job?.Metadata.CreationTimestamp);
        if (job is not null && Controller(job.Metadata) is { Kind: "CronJob" } cron && KubernetesNames.IsDnsSubdomain(cron.Name))
        {
            await run.TryAsync($"owner CronJob/{cron.Name}", (api, ct) => api.GetCronJobAsync(ns, cron.Name, ct));
            // A CronJob's "revision" is the Job it stamped out: that is when this template was taken.
            return new WorkloadInfo { Kind = "CronJob", Name = cron.Name, Revision = name, TemplateCreatedAt = created };
        }
        return new WorkloadInfo { Kind = "Job", Name = name, TemplateCreatedAt = created };
    }

    static V1OwnerReference? Controller(V1ObjectMeta meta) =>
        meta.OwnerReferences?.FirstOrDefault(o => o.Controller == true) ?? meta.OwnerReferences?.FirstOrDefault();

    static long? Revision(V1ReplicaSet rs) => Revision(rs.Metadata);

    static long? Revision(V1ObjectMeta meta) =>
        meta.Annotations?.TryGetValue(RevisionAnnotation, out var v) == true && long.TryParse(v, out var n) ? n : null;

    static DateTimeOffset? Utc(DateTime? t) => t is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;
}
