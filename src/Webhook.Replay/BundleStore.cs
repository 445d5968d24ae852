using System.Text.Json;
using System.Text.Json.Nodes;

namespace Webhook.Replay;

/// <summary>
/// Bundle folders indexed by what they contain. Besides the taxonomy.md layout (pod.json, events.json,
/// logs/CONTAINER[.previous].log) a bundle may carry <c>owners/*.json</c> (ReplicaSets, Deployments,
/// StatefulSets, DaemonSets, Jobs, CronJobs, as <c>kubectl get -o json</c> prints them) and <c>node.json</c>.
/// Objects are read at start; logs are streamed from disk at request time.
/// </summary>
public sealed class BundleStore
{
    readonly Dictionary<(string Ns, string Name), PodBundle> pods = [];
    readonly Dictionary<(string Kind, string Ns, string Name), JsonObject> owners = [];
    readonly Dictionary<string, JsonObject> nodes = [];
    readonly Dictionary<string, List<JsonObject>> eventsByNamespace = [];

    /// <summary>Every folder under <paramref name="root"/> (itself included) that has a pod.json.</summary>
    public static IEnumerable<string> Discover(string root) =>
        Directory.EnumerateFiles(root, "pod.json", SearchOption.AllDirectories).Select(Path.GetDirectoryName).OfType<string>().Order();

    public void Add(string folder)
    {
        var pod = ReadObject(Path.Combine(folder, "pod.json"))
            ?? throw new InvalidDataException($"{folder}: pod.json is not a JSON object");
        var ns = pod["metadata"]?["namespace"]?.GetValue<string>() ?? "default";
        var name = pod["metadata"]?["name"]?.GetValue<string>()
            ?? throw new InvalidDataException($"{folder}: pod.json has no metadata.name");
        pods[(ns, name)] = new PodBundle(folder, pod);
        foreach (var e in ReadItems(Path.Combine(folder, "events.json")))
            Events(ns).Add(e);
        var ownersDir = Path.Combine(folder, "owners");
        if (Directory.Exists(ownersDir))
            foreach (var file in Directory.EnumerateFiles(ownersDir, "*.json"))
                foreach (var o in ReadItems(file))
                    if (o["kind"]?.GetValue<string>() is { } kind && o["metadata"]?["name"]?.GetValue<string>() is { } oname)
                        owners[(kind, o["metadata"]?["namespace"]?.GetValue<string>() ?? ns, oname)] = o;
        if (ReadObject(Path.Combine(folder, "node.json")) is { } node && node["metadata"]?["name"]?.GetValue<string>() is { } nodeName)
            nodes[nodeName] = node;
        AddObjects(folder, ns);
    }

    /// <summary>
    /// objects/KIND.NS.NAME.json, the answers to follow-up questions: Services, EndpointSlices, ConfigMaps (keys only),
    /// ControllerRevisions, workloads with status, other pods, nodes. A stored 404 Status is served as the absence it records.
    /// </summary>
    void AddObjects(string folder, string defaultNs)
    {
        var dir = Path.Combine(folder, "objects");
        if (!Directory.Exists(dir)) return;
        foreach (var file in Directory.EnumerateFiles(dir, "*.json").Order(StringComparer.Ordinal))
            foreach (var o in ReadItems(file))
            {
                if (o["kind"]?.GetValue<string>() is not { } kind || kind == "Status" || o["metadata"]?["name"]?.GetValue<string>() is not { } name)
                    continue;
                var ns = o["metadata"]?["namespace"]?.GetValue<string>() ?? defaultNs;
                switch (kind)
                {
                    case "Node": nodes.TryAdd(name, o); break;
                    case "Pod": pods.TryAdd((ns, name), new PodBundle(folder, o, Logs: false)); break;
                    default: owners.TryAdd((kind, ns, name), o); break;
                }
            }
    }

    public PodBundle? Pod(string ns, string name) => pods.GetValueOrDefault((ns, name));
    public JsonObject? Owner(string kind, string ns, string name) => owners.GetValueOrDefault((kind, ns, name));
    /// <summary>Pods of a namespace (the bundles' own and those answered in objects/).</summary>
    public IEnumerable<JsonObject> PodsIn(string ns) => pods.Where(p => p.Key.Ns == ns).OrderBy(p => p.Key.Name, StringComparer.Ordinal).Select(p => p.Value.Pod);
    public IEnumerable<JsonObject> Owners(string kind, string ns) =>
        owners.Where(o => o.Key.Kind == kind && o.Key.Ns == ns).Select(o => o.Value);
    public JsonObject? Node(string name) => nodes.GetValueOrDefault(name);
    public IReadOnlyList<JsonObject> EventsIn(string ns) => eventsByNamespace.GetValueOrDefault(ns) ?? [];
    public IEnumerable<(string Ns, string Name)> PodNames => pods.Keys;

    List<JsonObject> Events(string ns) =>
        eventsByNamespace.TryGetValue(ns, out var list) ? list : eventsByNamespace[ns] = [];

    static JsonObject? ReadObject(string path) =>
        File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) as JsonObject : null;

    /// <summary>A List's items, a bare array's elements, or a single object.</summary>
    static IEnumerable<JsonObject> ReadItems(string path)
    {
        if (!File.Exists(path) || new FileInfo(path).Length == 0)
            return [];
        var node = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true });
        var items = node switch
        {
            JsonArray a => a,
            JsonObject o when o["items"] is JsonArray a => a,
            JsonObject o => new JsonArray(o.DeepClone()),
            _ => [],
        };
        return items.OfType<JsonObject>().Select(i => (JsonObject)i.DeepClone()).ToList();
    }
}

/// <summary>One pod's folder and its pod.json.</summary>
public sealed record PodBundle(string Folder, JsonObject Pod, bool Logs = true)
{
    public IEnumerable<string> ContainerNames(string list) =>
        (Pod["spec"]?[list] as JsonArray ?? []).Select(c => c?["name"]?.GetValue<string>()).OfType<string>();

    /// <summary>The log file; a pod known only from another bundle's objects/ has none.</summary>
    public string LogPath(string container, bool previous) =>
        Logs ? Path.Combine(Folder, "logs", previous ? $"{container}.previous.log" : $"{container}.log") : Path.Combine(Folder, "logs", "\0none");
}
