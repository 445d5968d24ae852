using System.Globalization;
using System.Text.Json;

namespace Webhook.Diagnosis;

/// <summary>
/// The object whose pod template a change must edit (a pod's own spec cannot change its probes or resources):
/// the workload the collector resolved, else the pod's controller (<see cref="PodWorkload"/>: a ReplicaSet named
/// after its Deployment plus the pod-template-hash). Jobs are left out: their template cannot change.
/// </summary>
public sealed record WorkloadRef(string Kind, string Name, string Namespace)
{
    static readonly string[] Editable = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "CronJob"];

    /// <summary>"deployment/api", shell-quoted.</summary>
    public string Resource => Shell.Quote($"{Kind.ToLowerInvariant()}/{Name}");

    public string TemplateSpecPath => Kind == "CronJob" ? "/spec/jobTemplate/spec/template/spec" : "/spec/template/spec";

    public static WorkloadRef? Of(CrashFacts facts)
    {
        // A ReplicaSet the collector could not follow to its Deployment is still the Deployment's when the pod carries its hash.
        if (facts.Snapshot.Workload is { Kind: not "ReplicaSet" } w)
            return Editable.Contains(w.Kind) ? new WorkloadRef(w.Kind, w.Name, facts.Namespace) : null;
        if (PodWorkload.Of(facts.Snapshot.Pod) is not { Owner: { } owner } pod)
            return facts.Snapshot.Workload is { } rs ? new WorkloadRef(rs.Kind, rs.Name, facts.Namespace) : null;
        if (pod.By == WorkloadBasis.TemplateHash)
            return new WorkloadRef(pod.Kind, pod.Name, facts.Namespace);
        // A guess from the ReplicaSet's name is not enough to patch a Deployment: the ReplicaSet itself is certain.
        return owner.Kind is "StatefulSet" or "DaemonSet" or "ReplicaSet" ? new WorkloadRef(owner.Kind, owner.Name, facts.Namespace) : null;
    }

    /// <summary>
    /// The JSON pointer of the failing container in the template ("/spec/template/spec/containers/0"), and a JSON
    /// patch "test" op on its name, so a template whose container order differs from the pod's fails safely.
    /// </summary>
    public (string Path, Dictionary<string, object> Test)? Container(CrashFacts facts)
    {
        var spec = facts.Snapshot.Pod?.Spec;
        var list = facts.IsInitContainer ? spec?.InitContainers : spec?.Containers;
        var index = list?.ToList().FindIndex(c => c.Name == facts.ContainerName) ?? -1;
        if (index < 0 || facts.ContainerName is null) return null;
        var path = $"{TemplateSpecPath}/{(facts.IsInitContainer ? "initContainers" : "containers")}/{index.ToString(CultureInfo.InvariantCulture)}";
        return (path, new Dictionary<string, object> { ["op"] = "test", ["path"] = path + "/name", ["value"] = facts.ContainerName });
    }

    /// <summary>kubectl patch … --type=json -p '[…]' with the container test first; null when the container is not found.</summary>
    public string? JsonPatch(CrashFacts facts, params (string Op, string RelativePath, object Value)[] ops)
    {
        if (Container(facts) is not { } c) return null;
        var patch = new List<Dictionary<string, object>> { c.Test };
        patch.AddRange(ops.Select(o => new Dictionary<string, object> { ["op"] = o.Op, ["path"] = c.Path + o.RelativePath, ["value"] = o.Value }));
        return $"kubectl patch {Resource} -n {Shell.Quote(Namespace)} --type=json -p {Shell.Quote(JsonSerializer.Serialize(patch, RemediationJson.Relaxed.ListDictionaryStringObject))}";
    }
}
