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
        switch (owner.Kind)
        {
            case "ReplicaSet":
                return await FromReplicaSetAsync(run, ns, owner.Name);
            case "StatefulSet":
                await run.TryAsync($"owner StatefulSet/{owner.Name}", (api, ct) => api.GetStatefulSetAsync(ns, owner.Name, ct));
                return FromRevisionedOwner(pod, owner);
            case "DaemonSet":
                await run.TryAsync($"owner DaemonSet/{owner.Name}", (api, ct) => api.GetDaemonSetAsync(ns, owner.Name, ct));
                return FromRevisionedOwner(pod, owner);
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
        if (DeploymentOf(rs) is not { } deployment)
            return FromReplicaSet(rs, null, []);
        var deploymentTask = run.TryAsync($"owner Deployment/{deployment.Name}", (api, ct) => api.GetDeploymentAsync(ns, deployment.Name, ct));
        var siblings = SiblingSelector(rs) is { } selector
            ? await run.TryAsync("previous ReplicaSet", (api, ct) => api.ListReplicaSetsAsync(ns, selector, ct))
            : null;
        return FromReplicaSet(rs, await deploymentTask, siblings ?? []);
    }

    /// <summary>
    /// The workload of a ReplicaSet's pod, from objects already read (live, or from a bundle): its Deployment's
    /// revision and what changed against the ReplicaSet before it among <paramref name="siblings"/>. Pure.
    /// </summary>
    public static WorkloadInfo FromReplicaSet(V1ReplicaSet rs, V1Deployment? deploymentObject, IEnumerable<V1ReplicaSet> siblings)
    {
        var created = Utc(rs.Metadata.CreationTimestamp);
        if (DeploymentOf(rs) is not { } deployment)
            return new WorkloadInfo { Kind = "ReplicaSet", Name = rs.Metadata.Name, TemplateCreatedAt = created };
        var revision = Revision(rs);
        var previous = revision is > 1
            ? siblings.Where(s => Controller(s.Metadata) is { } o && o.Uid == deployment.Uid && Revision(s) < revision).MaxBy(Revision)
            : null;
        var changes = new List<string>();
        if (previous is not null)
            changes.AddRange(TemplateChanges.Between(previous.Spec?.Template, rs.Spec?.Template));
        if (deploymentObject is { } d && Revision(d.Metadata) is { } latest && revision is { } own && latest > own)
            changes.Add($"a newer revision {latest} of the Deployment exists; this pod runs revision {own}");
        return new WorkloadInfo
        {
            Kind = "Deployment",
            Name = deployment.Name,
            Revision = revision?.ToString(),
            TemplateCreatedAt = created,
            PreviousRevision = previous is null ? null : Revision(previous)?.ToString(),
            PreviousName = previous?.Metadata.Name,
            Changes = changes,
        };
    }

    /// <summary>A StatefulSet's or DaemonSet's pod: the revision is the pod's controller-revision-hash (its template diff comes from the follow-ups).</summary>
    public static WorkloadInfo FromRevisionedOwner(V1Pod pod, V1OwnerReference owner) => new()
    {
        Kind = owner.Kind, Name = owner.Name,
        Revision = pod.Metadata.Labels?.TryGetValue(ControllerRevisionLabel, out var r) == true ? r : null,
    };

    /// <summary>A Job's pod, or a CronJob's when the Job names one. Pure.</summary>
    public static WorkloadInfo FromJob(string name, V1Job? job)
    {
        var created = Utc(job?.Metadata.CreationTimestamp);
        // A CronJob's "revision" is the Job it stamped out: that is when this template was taken.
        return CronJobOf(job) is { } cron
            ? new WorkloadInfo { Kind = "CronJob", Name = cron.Name, Revision = name, TemplateCreatedAt = created }
            : new WorkloadInfo { Kind = "Job", Name = name, TemplateCreatedAt = created };
    }

    /// <summary>The Deployment that controls a ReplicaSet, when its name is one we would ask for.</summary>
    public static V1OwnerReference? DeploymentOf(V1ReplicaSet rs) =>
        Controller(rs.Metadata) is { Kind: "Deployment" } d && KubernetesNames.IsDnsSubdomain(d.Name) ? d : null;

    static V1OwnerReference? CronJobOf(V1Job? job) =>
        job is not null && Controller(job.Metadata) is { Kind: "CronJob" } cron && KubernetesNames.IsDnsSubdomain(cron.Name) ? cron : null;

    /// <summary>The label selector of a ReplicaSet's siblings (its matchLabels without the template hash); null when only the hash is left or the revision is the first.</summary>
    public static string? SiblingSelector(V1ReplicaSet rs)
    {
        if (Revision(rs) is not > 1)
            return null;
        var labels = rs.Spec?.Selector?.MatchLabels?.Where(l => l.Key != TemplateHashLabel).ToList() ?? [];
        return labels.Count == 0 ? null : string.Join(",", labels.Select(l => $"{l.Key}={l.Value}"));
    }

    static async Task<WorkloadInfo> FromJobAsync(CollectRun run, string ns, string name)
    {
        var job = await run.TryAsync($"owner Job/{name}", (api, ct) => api.GetJobAsync(ns, name, ct));
        if (CronJobOf(job) is { } cron)
            await run.TryAsync($"owner CronJob/{cron.Name}", (api, ct) => api.GetCronJobAsync(ns, cron.Name, ct));
        return FromJob(name, job);
    }

    public static V1OwnerReference? Controller(V1ObjectMeta meta) =>
        meta.OwnerReferences?.FirstOrDefault(o => o.Controller == true) ?? meta.OwnerReferences?.FirstOrDefault();

    static long? Revision(V1ReplicaSet rs) => Revision(rs.Metadata);

    static long? Revision(V1ObjectMeta meta) =>
        meta.Annotations?.TryGetValue(RevisionAnnotation, out var v) == true && long.TryParse(v, out var n) ? n : null;

    static DateTimeOffset? Utc(DateTime? t) => t is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;
}
