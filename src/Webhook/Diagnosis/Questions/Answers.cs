using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Webhook.Collect;

namespace Webhook.Diagnosis;

/// <summary>
/// Typed lookups over the answers of a snapshot (<see cref="PodSnapshot.Objects"/>): the objects as the API
/// returned them, or the API's NotFound Status when the object does not exist. Pure: parses what is there.
/// </summary>
public sealed class Answers
{
    readonly IReadOnlyDictionary<string, string> objects;
    readonly Dictionary<string, JsonObject?> parsed = new(StringComparer.Ordinal);

    Answers(IReadOnlyDictionary<string, string> objects) => this.objects = objects;

    public static Answers Of(PodSnapshot snapshot) => new(snapshot.Objects);

    public bool Any => objects.Count > 0;

    /// <summary>The object, or null when it was not asked, could not be read or does not exist.</summary>
    public JsonObject? Get(string kind, string? ns, string name) =>
        Parse(ObjectKey.Of(kind, ns, name)) is { } o && !IsStatus(o) ? o : null;

    /// <summary>True when the API answered that the object does not exist (a Status with code 404 is stored for it).</summary>
    public bool IsNotFound(string kind, string? ns, string name) =>
        Parse(ObjectKey.Of(kind, ns, name)) is { } o && IsStatus(o) && o["code"]?.GetValue<int>() == 404;

    /// <summary>Every answered object of a kind in a namespace, by name.</summary>
    public IEnumerable<JsonObject> All(string kind, string ns)
    {
        var prefix = $"{kind}.{ns}.";
        foreach (var key in objects.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            if (Parse(key) is { } o && !IsStatus(o))
                yield return o;
    }

    public T? As<T>(JsonObject? o) where T : class => o is null ? null : Webhook.Collect.KubernetesObjectJson.Deserialize<T>(o.ToJsonString());

    /// <summary>EndpointSlices of a Service: null when none was answered (not asked, or a Service without a selector).</summary>
    public (int Ready, int NotReady, IReadOnlyList<string> NotReadyPods)? Endpoints(string ns, string service)
    {
        var slices = All("EndpointSlice", ns).Where(s => Label(s, "kubernetes.io/service-name") == service).ToList();
        if (slices.Count == 0) return null;
        int ready = 0, notReady = 0;
        var pods = new List<string>();
        foreach (var endpoint in slices.SelectMany(s => s["endpoints"] as JsonArray ?? []).OfType<JsonObject>())
        {
            // The API: a nil "ready" is to be read as true.
            if (endpoint["conditions"]?["ready"]?.GetValue<bool>() != false) ready++;
            else
            {
                notReady++;
                if (endpoint["targetRef"]?["name"]?.GetValue<string>() is { } pod) pods.Add(pod);
            }
        }
        return (ready, notReady, pods);
    }

    public static string? Label(JsonObject o, string key) => Str(o["metadata"]?["labels"]?[key]);

    public static string? Name(JsonObject o) => Str(o["metadata"]?["name"]);

    /// <summary>"a=b,c=d" from a map of labels (a Service's spec.selector, a workload's matchLabels); null when empty.</summary>
    public static string? Selector(JsonNode? labels) =>
        labels is JsonObject map && map.Count > 0
            ? string.Join(",", map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={Str(p.Value)}"))
            : null;

    /// <summary>Whether labels satisfy an equality selector map.</summary>
    public static bool Selects(JsonNode? selector, IDictionary<string, string>? labels) =>
        selector is JsonObject map && map.Count > 0 && labels is not null
        && map.All(p => labels.TryGetValue(p.Key, out var v) && v == Str(p.Value));

    public static string? Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static long? Long(JsonNode? node) => node is JsonValue v && v.TryGetValue<long>(out var n) ? n : null;

    JsonObject? Parse(string key)
    {
        if (parsed.TryGetValue(key, out var o)) return o;
        o = objects.TryGetValue(key, out var text) ? JsonNode.Parse(text) as JsonObject : null;
        parsed[key] = o;
        return o;
    }

    static bool IsStatus(JsonObject o) => Str(o["kind"]) == "Status";
}
