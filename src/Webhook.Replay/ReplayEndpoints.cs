using System.Text.Json.Nodes;

namespace Webhook.Replay;

/// <summary>The read-only Kubernetes REST paths the collector calls, answered from a <see cref="BundleStore"/>.</summary>
static class ReplayEndpoints
{
    static readonly Dictionary<string, string> AppsKinds = new()
    {
        ["replicasets"] = "ReplicaSet", ["deployments"] = "Deployment", ["statefulsets"] = "StatefulSet", ["daemonsets"] = "DaemonSet",
        ["controllerrevisions"] = "ControllerRevision",
    };
    static readonly Dictionary<string, string> CoreKinds = new() { ["services"] = "Service", ["configmaps"] = "ConfigMap" };
    static readonly Dictionary<string, string> BatchKinds = new() { ["jobs"] = "Job", ["cronjobs"] = "CronJob" };

    public static void Map(WebApplication app, BundleStore store, ReplayStats stats)
    {
        app.MapGet("/api/v1/namespaces/{ns}/pods/{name}", (string ns, string name) =>
            store.Pod(ns, name) is { } b ? Json(b.Pod) : KubernetesStatus.NotFound("pods", name));

        app.MapGet("/api/v1/namespaces/{ns}/pods/{name}/log", (HttpContext http, string ns, string name) =>
            Log(http, store, stats, ns, name));

        app.MapGet("/api/v1/namespaces/{ns}/events", (string ns, string? fieldSelector, int? limit) =>
        {
            var match = Selector.Parse(fieldSelector);
            var items = store.EventsIn(ns).Where(e => match.All(m => m.Matches(Field(e, m.Key)))).Take(limit is > 0 ? limit.Value : int.MaxValue);
            return List("EventList", "v1", items);
        });

        app.MapGet("/apis/apps/v1/namespaces/{ns}/{resource}", (string ns, string resource, string? labelSelector) =>
            AppsKinds.TryGetValue(resource, out var kind)
                ? List($"{kind}List", "apps/v1", Labelled(store.Owners(kind, ns), labelSelector))
                : KubernetesStatus.Failure(404, "NotFound", "the server could not find the requested resource"));

        // Follow-up reads: Services, ConfigMaps (keys only in a bundle), EndpointSlices, pods by label. Never Secrets.
        foreach (var (resource, kind) in CoreKinds)
            app.MapGet($"/api/v1/namespaces/{{ns}}/{resource}/{{name}}", (string ns, string name) =>
                store.Owner(kind, ns, name) is { } o ? Json(o) : KubernetesStatus.NotFound(resource, name));
        app.MapGet("/api/v1/namespaces/{ns}/services", (string ns, string? labelSelector) =>
            List("ServiceList", "v1", Labelled(store.Owners("Service", ns), labelSelector)));
        app.MapGet("/api/v1/namespaces/{ns}/pods", (string ns, string? labelSelector, int? limit) =>
            List("PodList", "v1", Labelled(store.PodsIn(ns), labelSelector).Take(limit is > 0 ? limit.Value : int.MaxValue)));
        app.MapGet("/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices", (string ns, string? labelSelector) =>
            List("EndpointSliceList", "discovery.k8s.io/v1", Labelled(store.Owners("EndpointSlice", ns), labelSelector)));

        app.MapGet("/apis/apps/v1/namespaces/{ns}/{resource}/{name}", (string ns, string resource, string name) =>
            Owner(store, AppsKinds, ns, resource, name));
        app.MapGet("/apis/batch/v1/namespaces/{ns}/{resource}/{name}", (string ns, string resource, string name) =>
            Owner(store, BatchKinds, ns, resource, name));

        app.MapGet("/api/v1/nodes/{name}", (string name) =>
            store.Node(name) is { } n ? Json(n) : KubernetesStatus.NotFound("nodes", name));

        app.MapFallback(() => KubernetesStatus.Failure(404, "NotFound", "the server could not find the requested resource"));
    }

    static async Task<IResult> Log(HttpContext http, BundleStore store, ReplayStats stats, string ns, string name)
    {
        if (store.Pod(ns, name) is not { } bundle)
            return KubernetesStatus.NotFound("pods", name);
        var q = http.Request.Query;
        var containers = bundle.ContainerNames("containers").ToList();
        var inits = bundle.ContainerNames("initContainers").ToList();
        var container = q["container"].ToString();
        if (container.Length == 0)
        {
            if (containers.Count + inits.Count != 1)
                return KubernetesStatus.BadRequest(
                    $"a container name must be specified for pod {name}, choose one of: [{string.Join(" ", containers)}] or one of the init containers: [{string.Join(" ", inits)}]");
            container = containers.Concat(inits).Single();
        }
        if (!containers.Contains(container) && !inits.Contains(container))
            return KubernetesStatus.BadRequest($"container {container} is not valid for pod {name}");
        var previous = q["previous"] == "true";
        var path = bundle.LogPath(container, previous);
        if (!File.Exists(path))
            return previous
                ? KubernetesStatus.BadRequest($"previous terminated container \"{container}\" in pod \"{name}\" not found")
                : Results.Text("", "text/plain");
        var ignoreLimits = http.Items.ContainsKey(ReplayServer.IgnoreLimitsKey);
        int? tailLines = !ignoreLimits && int.TryParse(q["tailLines"], out var t) ? t : null;
        long? limitBytes = !ignoreLimits && long.TryParse(q["limitBytes"], out var l) && l > 0 ? l : null;
        http.Response.ContentType = "text/plain";
        try
        {
            stats.LogBytes(await LogFileTail.CopyAsync(path, tailLines, limitBytes, http.Response.Body, http.RequestAborted));
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // The client stopped reading: what a bounded reader is supposed to do.
        }
        return Results.Empty;
    }

    static IResult Owner(BundleStore store, Dictionary<string, string> kinds, string ns, string resource, string name)
    {
        if (!kinds.TryGetValue(resource, out var kind))
            return KubernetesStatus.Failure(404, "NotFound", "the server could not find the requested resource");
        return store.Owner(kind, ns, name) is { } o ? Json(o) : KubernetesStatus.NotFound(resource, name);
    }

    static IEnumerable<JsonObject> Labelled(IEnumerable<JsonObject> items, string? labelSelector)
    {
        var match = Selector.Parse(labelSelector);
        return items.Where(o => match.All(m => m.Matches(o["metadata"]?["labels"]?[m.Key]?.GetValue<string>())));
    }

    static string? Field(JsonObject e, string path)
    {
        JsonNode? node = e;
        foreach (var part in path.Split('.'))
            node = node?[part];
        return node?.GetValue<string>();
    }

    static IResult Json(JsonObject o) => Results.Text(o.ToJsonString(), "application/json");

    static IResult List(string kind, string apiVersion, IEnumerable<JsonObject> items) => Json(new JsonObject
    {
        ["kind"] = kind,
        ["apiVersion"] = apiVersion,
        ["metadata"] = new JsonObject { ["resourceVersion"] = "1" },
        ["items"] = new JsonArray(items.Select(i => (JsonNode)i.DeepClone()).ToArray()),
    });
}
