using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Webhook.Collect;

/// <summary>
/// Writes a diagnosis bundle (taxonomy.md) of a live pod: pod.json, events.json and bounded
/// logs/CONTAINER[.previous].log for every container, plus the optional owners/*.json and node.json that
/// the replay server also reads. Literal env values are redacted, as the bundle may travel with a bug report.
/// </summary>
public sealed class BundleCapture(IKubernetesApi api, LogOptions limits)
{
    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Files written (relative to <paramref name="folder"/>) and what could not be captured.</summary>
    public sealed record Result(IReadOnlyList<string> Files, IReadOnlyList<string> Gaps);

    /// <exception cref="k8s.Autorest.HttpOperationException">The pod itself could not be read.</exception>
    public async Task<Result> WriteAsync(string ns, string podName, string folder, CancellationToken ct)
    {
        var pod = await api.GetPodAsync(ns, podName, ct);
        var files = new List<string>();
        var gaps = new List<string>();
        Directory.CreateDirectory(Path.Combine(folder, "logs"));

        async Task Try(string part, Func<Task> action)
        {
            try
            {
                await action();
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is not IOException)
            {
                gaps.Add(ApiGaps.Describe(part, e, deadline: null));
            }
        }

        await Try("events", async () =>
        {
            var events = await api.ListPodEventsAsync(ns, podName, ct);
            Write(folder, "events.json", new Corev1EventList { ApiVersion = "v1", Kind = "List", Items = events, Metadata = new V1ListMeta() }, files);
        });
        foreach (var container in ContainerNames(pod))
            foreach (var previous in new[] { true, false })
                await Try($"{(previous ? "previous" : "current")} log of {container}", () => WriteLogAsync(ns, podName, container, previous, folder, files, ct));
        await Try("owners", () => WriteOwnersAsync(pod, folder, files, ct));
        if (pod.Spec?.NodeName is { } node && KubernetesNames.IsDnsSubdomain(node))
            await Try("node", async () => Write(folder, "node.json", await api.GetNodeAsync(node, ct), files));

        PodRedaction.Redact(pod);
        Write(folder, "pod.json", pod, files);
        return new Result(files, gaps);
    }

    /// <summary>objects/KIND.NS.NAME.json for each follow-up answer (ConfigMap values already emptied, env values redacted).</summary>
    public static IReadOnlyList<string> WriteObjects(string folder, IReadOnlyDictionary<string, string> objects)
    {
        var files = new List<string>();
        foreach (var (key, json) in objects.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            // Keys are built from Kubernetes names: letters, digits, '-' and '.'; anything else is not a file name of ours.
            if (key.Length == 0 || key.StartsWith('.') || !key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.'))
                continue;
            var name = Path.Combine("objects", key + ".json");
            Directory.CreateDirectory(Path.Combine(folder, "objects"));
            File.WriteAllText(Path.Combine(folder, name), JsonNode.Parse(json)!.ToJsonString(Indented) + "\n");
            files.Add(name);
        }
        return files;
    }

    async Task WriteLogAsync(string ns, string pod, string container, bool previous, string folder, List<string> files, CancellationToken ct)
    {
        var query = new LogQuery(container, previous, limits.TailLines, limits.ReadLimitBytes);
        LogRead read;
        try
        {
            await using var stream = await api.OpenLogAsync(ns, pod, query, ct);
            read = await LogTailReader.ReadAsync(stream, limits.TailLines, limits.MaxBytes, limits.ReadLimitBytes, ct);
        }
        catch (Exception e) when (ApiGaps.IsBadRequest(e))
        {
            return; // no previous instance, or a container that has not started: the file is optional
        }
        if (read.Text.Length == 0)
            return;
        var name = Path.Combine("logs", previous ? $"{container}.previous.log" : $"{container}.log");
        await File.WriteAllTextAsync(Path.Combine(folder, name), read.Text, ct);
        files.Add(name);
    }

    async Task WriteOwnersAsync(V1Pod pod, string folder, List<string> files, CancellationToken ct)
    {
        var ns = pod.Metadata.NamespaceProperty;
        var owner = pod.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true);
        while (owner is not null && KubernetesNames.IsDnsSubdomain(owner.Name))
        {
            IKubernetesObject<V1ObjectMeta>? obj = owner.Kind switch
            {
                "ReplicaSet" => await api.GetReplicaSetAsync(ns, owner.Name, ct),
                "Deployment" => await api.GetDeploymentAsync(ns, owner.Name, ct),
                "StatefulSet" => await api.GetStatefulSetAsync(ns, owner.Name, ct),
                "DaemonSet" => await api.GetDaemonSetAsync(ns, owner.Name, ct),
                "Job" => await api.GetJobAsync(ns, owner.Name, ct),
                "CronJob" => await api.GetCronJobAsync(ns, owner.Name, ct),
                _ => null,
            };
            if (obj is null)
                return;
            WriteOwner(folder, obj, files);
            if (obj is V1ReplicaSet rs && rs.Spec?.Selector?.MatchLabels is { Count: > 0 } labels)
                await WriteSiblingReplicaSetsAsync(ns, rs, labels, folder, files, ct);
            owner = obj.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true);
        }
    }

    /// <summary>The other ReplicaSets of the Deployment, so a replay can show what changed in the last rollout.</summary>
    async Task WriteSiblingReplicaSetsAsync(string ns, V1ReplicaSet rs, IDictionary<string, string> labels, string folder, List<string> files, CancellationToken ct)
    {
        var selector = string.Join(",", labels.Where(l => l.Key != "pod-template-hash").Select(l => $"{l.Key}={l.Value}"));
        if (selector.Length == 0)
            return;
        foreach (var sibling in await api.ListReplicaSetsAsync(ns, selector, ct))
            if (sibling.Metadata.Name != rs.Metadata.Name && KubernetesNames.IsDnsSubdomain(sibling.Metadata.Name))
            {
                // List items carry no kind of their own.
                sibling.ApiVersion = "apps/v1";
                sibling.Kind = "ReplicaSet";
                WriteOwner(folder, sibling, files);
            }
    }

    static void WriteOwner(string folder, IKubernetesObject<V1ObjectMeta> obj, List<string> files)
    {
        PodRedaction.RedactTemplate(obj.Metadata, Template(obj));
        Write(folder, Path.Combine("owners", $"{obj.Kind.ToLowerInvariant()}-{obj.Metadata.Name}.json"), obj, files);
    }

    static V1PodTemplateSpec? Template(object obj) => obj switch
    {
        V1ReplicaSet o => o.Spec?.Template,
        V1Deployment o => o.Spec?.Template,
        V1StatefulSet o => o.Spec?.Template,
        V1DaemonSet o => o.Spec?.Template,
        V1Job o => o.Spec?.Template,
        V1CronJob o => o.Spec?.JobTemplate?.Spec?.Template,
        _ => null,
    };

    static IEnumerable<string> ContainerNames(V1Pod pod) =>
        (pod.Spec?.InitContainers ?? []).Concat(pod.Spec?.Containers ?? []).Select(c => c.Name).Where(KubernetesNames.IsDnsLabel);

    static void Write(string folder, string name, object value, List<string> files)
    {
        var path = Path.Combine(folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, JsonNode.Parse(KubernetesObjectJson.Serialize(value))!.ToJsonString(Indented) + "\n");
        files.Add(name);
    }
}
