using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Webhook.Diagnosis;

namespace Webhook.Collect;

/// <summary>
/// One question, one read-only call, and its answer as the API returned it, minus what may hold a credential:
/// literal env values (pods, workload templates, ControllerRevisions), kubectl's last-applied annotation, and
/// every ConfigMap value (dropped inside the call). A GET the API answers with 404 is an answer too: its Status.
/// </summary>
public static class AnswerFetcher
{
    /// <summary>Pods behind a Service read at most: enough to name why none is ready.</summary>
    public const int MaxPods = 10;
    const string LastApplied = "kubectl.kubernetes.io/last-applied-configuration";

    public static async Task<Answer> FetchAsync(IKubernetesApi api, Question q, CancellationToken ct)
    {
        var ns = q.Namespace ?? "";
        var selector = q.LabelSelector ?? "";
        return (q.Kind, q.IsList) switch
        {
            ("Service", false) => One(await api.GetServiceAsync(ns, q.Name!, ct), "v1", "Service"),
            ("Service", true) => Many(await api.ListServicesAsync(ns, ct), "v1", "Service", ns),
            ("EndpointSlice", true) => Many(await api.ListEndpointSlicesAsync(ns, selector, ct), "discovery.k8s.io/v1", "EndpointSlice", ns),
            ("Pod", true) => Many((await api.ListPodsAsync(ns, selector, MaxPods, ct)).Take(MaxPods), "v1", "Pod", ns),
            ("ConfigMap", false) => One(await api.GetConfigMapKeysAsync(ns, q.Name!, ct), "v1", "ConfigMap"),
            ("Deployment", false) => One(await api.GetDeploymentAsync(ns, q.Name!, ct), "apps/v1", "Deployment"),
            ("StatefulSet", false) => One(await api.GetStatefulSetAsync(ns, q.Name!, ct), "apps/v1", "StatefulSet"),
            ("DaemonSet", false) => One(await api.GetDaemonSetAsync(ns, q.Name!, ct), "apps/v1", "DaemonSet"),
            ("ControllerRevision", true) => Many(await api.ListControllerRevisionsAsync(ns, selector, ct), "apps/v1", "ControllerRevision", ns),
            ("Node", false) => One(await api.GetNodeAsync(q.Name!, ct), "v1", "Node"),
            _ => throw new NotSupportedException($"no follow-up read for {q}"),
        };
    }

    /// <summary>The API's answer that a GET's object does not exist, stored under the object's key.</summary>
    public static Answer NotFound(Question q) => new([KeyValuePair.Create(q.Key, new JsonObject
    {
        ["kind"] = "Status", ["apiVersion"] = "v1", ["status"] = "Failure", ["reason"] = "NotFound", ["code"] = 404,
        ["message"] = $"{q.Kind.ToLowerInvariant()}s \"{q.Name}\" not found",
        ["details"] = new JsonObject { ["name"] = q.Name, ["kind"] = q.Kind.ToLowerInvariant() + "s" },
    }.ToJsonString())]);

    static Answer One<T>(T obj, string apiVersion, string kind) where T : IKubernetesObject<V1ObjectMeta>
    {
        obj.ApiVersion = apiVersion;
        obj.Kind = kind;
        var ns = kind == "Node" ? null : obj.Metadata.NamespaceProperty;
        return new([KeyValuePair.Create(ObjectKey.Of(kind, ns, obj.Metadata.Name), Json(obj))]);
    }

    static Answer Many<T>(IEnumerable<T> items, string apiVersion, string kind, string ns) where T : IKubernetesObject<V1ObjectMeta> =>
        new(items.Where(i => KubernetesNames.IsDnsSubdomain(i.Metadata?.Name)).Select(i =>
        {
            // List items carry no kind of their own.
            i.ApiVersion = apiVersion;
            i.Kind = kind;
            return KeyValuePair.Create(ObjectKey.Of(kind, i.Metadata.NamespaceProperty ?? ns, i.Metadata.Name), Json(i));
        }).ToList());

    static string Json(object obj)
    {
        var node = JsonNode.Parse(KubernetesObjectJson.Serialize(obj))!;
        Redact(node);
        return node.ToJsonString();
    }

    /// <summary>Literal env values are cut to their addresses as the collector cuts a pod's (<see cref="EnvRedaction"/>) and last-applied annotations go, wherever they sit in the object.</summary>
    public static void Redact(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                if (o["annotations"] is JsonObject annotations) annotations.Remove(LastApplied);
                if (o["env"] is JsonArray env)
                    foreach (var e in env.OfType<JsonObject>())
                        if (e["value"] is JsonNode v)
                            e["value"] = v is JsonValue s && s.TryGetValue<string>(out var text)
                                ? EnvRedaction.Redact(e["name"] is JsonValue n && n.TryGetValue<string>(out var name) ? name : null, text, e["valueFrom"] is not null)
                                : PodRedaction.Redacted;
                foreach (var (_, child) in o.ToList()) Redact(child);
                break;
            case JsonArray a:
                foreach (var child in a) Redact(child);
                break;
        }
    }
}
