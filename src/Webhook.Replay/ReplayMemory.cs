using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Webhook.Replay;

/// <summary>
/// Memory answers of a bundle, served as their APIs do: metrics-server's PodMetrics from
/// <c>objects/PodMetrics.NS.POD.json</c>, and Prometheus' <c>/api/v1/query_range</c> from <c>metrics/NAME.json</c>
/// (the query's metric and its namespace/pod matchers pick the file), so the memory history stage runs against the
/// replay server as against a cluster with Prometheus (point Prometheus:Url at the replay server). Read at request time.
/// </summary>
static partial class ReplayMemory
{
    /// <summary>Metric name in a query → the bundle's metrics/NAME.json (taxonomy.md).</summary>
    static readonly Dictionary<string, string> Files = new()
    {
        ["container_memory_working_set_bytes"] = "memory_working_set",
        ["container_oom_events_total"] = "oom_events",
        ["kube_pod_container_resource_limits"] = "memory_limit",
    };

    const string EmptyMatrix = """{"status":"success","data":{"resultType":"matrix","result":[]}}""";

    public static void Map(WebApplication app, BundleStore store)
    {
        app.MapGet("/apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods/{name}", (string ns, string name) =>
        {
            var path = store.Pod(ns, name) is { } b ? Path.Combine(b.Folder, "objects", $"PodMetrics.{ns}.{name}.json") : null;
            return path is not null && File.Exists(path)
                ? Results.Text(File.ReadAllText(path), "application/json")
                : KubernetesStatus.NotFound("pods.metrics.k8s.io", name);
        });

        // The list filters by the pods' labels, as metrics-server does (kubectl top pod -l); a bundle's PodMetrics file
        // may not carry them, so the bundle's pod answers for its labels.
        app.MapGet("/apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods", (string ns, string? labelSelector) =>
        {
            var match = Webhook.Replay.Selector.Parse(labelSelector);
            var items = new JsonArray();
            foreach (var pod in store.PodsIn(ns))
            {
                var name = pod["metadata"]?["name"]?.GetValue<string>();
                if (name is null || !match.All(m => m.Matches(pod["metadata"]?["labels"]?[m.Key]?.GetValue<string>())))
                    continue;
                var path = Path.Combine(store.Pod(ns, name)!.Folder, "objects", $"PodMetrics.{ns}.{name}.json");
                if (File.Exists(path))
                    items.Add(JsonNode.Parse(File.ReadAllText(path)));
            }
            return Results.Text(new JsonObject
            {
                ["kind"] = "PodMetricsList", ["apiVersion"] = "metrics.k8s.io/v1beta1", ["metadata"] = new JsonObject(), ["items"] = items,
            }.ToJsonString(), "application/json");
        });

        app.MapGet("/api/v1/query_range", (string? query) =>
        {
            var match = query is null ? null : Selector().Match(query.Trim());
            if (match is not { Success: true })
                return BadData($"replay: cannot serve query {query}: only METRIC{{namespace=\"NS\",pod=\"POD\",...}}");
            var labels = Label().Matches(match.Groups["labels"].Value).ToDictionary(m => m.Groups["name"].Value, m => Regex.Unescape(m.Groups["value"].Value));
            if (!Files.TryGetValue(match.Groups["metric"].Value, out var file) || !labels.TryGetValue("namespace", out var ns) || !labels.TryGetValue("pod", out var pod))
                return BadData($"replay: no bundle answer for {query}");
            var path = store.Pod(ns, pod) is { } b ? Path.Combine(b.Folder, "metrics", file + ".json") : null;
            return Results.Text(path is not null && File.Exists(path) ? File.ReadAllText(path) : EmptyMatrix, "application/json");
        });
    }

    static IResult BadData(string message) => Results.Text(
        new JsonObject { ["status"] = "error", ["errorType"] = "bad_data", ["error"] = message }.ToJsonString(), "application/json", statusCode: 400);

    [GeneratedRegex("""^(?<metric>[a-zA-Z_:][a-zA-Z0-9_:]*)\{(?<labels>.*)\}$""")]
    private static partial Regex Selector();

    [GeneratedRegex("""(?<name>[a-zA-Z_][a-zA-Z0-9_]*)="(?<value>(?:[^"\\]|\\.)*)"(?:,|$)""")]
    private static partial Regex Label();
}
