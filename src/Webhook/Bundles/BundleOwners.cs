using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Webhook.Collect;

namespace Webhook.Bundles;

/// <summary>
/// The owner chain of a bundle's pod, rebuilt from the owner objects the bundle holds (capture's <c>owners/*.json</c>,
/// and workloads answered in <c>objects/</c>) with the same pure steps the live collector takes after its reads
/// (<see cref="WorkloadResolver"/>), so <c>diagnose BUNDLE</c> shows the template diff a live diagnosis shows.
/// An owner the bundle does not hold is a gap, as a read the API refused: no workload.
/// </summary>
public static class BundleOwners
{
    static readonly HashSet<string> OwnerKinds = ["ReplicaSet", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"];

    public static WorkloadInfo? Workload(string folder, V1Pod pod, IReadOnlyDictionary<string, string> objects)
    {
        var owners = Read(folder, objects);
        var ns = pod.Metadata.NamespaceProperty ?? "default";
        if (WorkloadResolver.Controller(pod.Metadata) is not { } owner || !KubernetesNames.IsDnsSubdomain(owner.Name)
            || owners.GetValueOrDefault((owner.Kind, ns, owner.Name)) is not { } obj)
            return null;
        return owner.Kind switch
        {
            "ReplicaSet" => WorkloadResolver.FromReplicaSet(As<V1ReplicaSet>(obj),
                WorkloadResolver.DeploymentOf(As<V1ReplicaSet>(obj)) is { } d && owners.GetValueOrDefault(("Deployment", ns, d.Name)) is { } dep ? As<V1Deployment>(dep) : null,
                owners.Where(o => o.Key.Kind == "ReplicaSet" && o.Key.Ns == ns).Select(o => As<V1ReplicaSet>(o.Value))),
            "StatefulSet" or "DaemonSet" => WorkloadResolver.FromRevisionedOwner(pod, owner),
            "Job" => WorkloadResolver.FromJob(owner.Name, As<V1Job>(obj)),
            _ => null,
        };
    }

    /// <summary>Owner objects by (kind, namespace, name): owners/ first, then the workloads among the answers.</summary>
    static Dictionary<(string Kind, string Ns, string Name), JsonObject> Read(string folder, IReadOnlyDictionary<string, string> objects)
    {
        var owners = new Dictionary<(string, string, string), JsonObject>();
        void Add(JsonObject o)
        {
            if (Str(o["kind"]) is { } kind && OwnerKinds.Contains(kind) && Str(o["metadata"]?["name"]) is { } name)
                owners.TryAdd((kind, Str(o["metadata"]?["namespace"]) ?? "default", name), o);
        }
        var dir = Path.Combine(folder, "owners");
        if (Directory.Exists(dir))
            foreach (var file in Directory.EnumerateFiles(dir, "*.json").Order(StringComparer.Ordinal))
                foreach (var o in Items(file, File.ReadAllText(file)))
                    Add(o);
        foreach (var (key, json) in objects.OrderBy(o => o.Key, StringComparer.Ordinal))
            foreach (var o in Items(key, json))
                Add(o);
        return owners;
    }

    /// <summary>A List's items or a single object (kubectl prints either).</summary>
    static IEnumerable<JsonObject> Items(string path, string text)
    {
        JsonNode? node;
        try { node = JsonNode.Parse(text); }
        catch (JsonException e) { throw new BundleException($"{path} is not valid JSON: {e.Message.Split('\n')[0]}", e); }
        return node switch
        {
            JsonObject o when o["items"] is JsonArray a => a.OfType<JsonObject>(),
            JsonObject o => [o],
            JsonArray a => a.OfType<JsonObject>(),
            _ => [],
        };
    }

    static T As<T>(JsonObject o) where T : class => KubernetesObjectJson.Deserialize<T>(o.ToJsonString());

    static string? Str(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
