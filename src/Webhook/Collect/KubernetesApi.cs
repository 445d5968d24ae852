using k8s;
using k8s.Models;

namespace Webhook.Collect;

/// <summary>The production <see cref="IKubernetesApi"/>: a thin mapping onto KubernetesClient.</summary>
public sealed class KubernetesApi(IKubernetes client) : IKubernetesApi, IDisposable
{
    // Events past this many are noise for a diagnosis and would only cost memory.
    const int MaxEvents = 200;
    // A follow-up list (Services of a namespace, slices, revisions) past this many is not one a diagnosis reads.
    const int MaxListed = 100;

    public Task<V1Pod> GetPodAsync(string ns, string name, CancellationToken ct) =>
        client.CoreV1.ReadNamespacedPodAsync(name, ns, cancellationToken: ct);

    public async Task<IList<Corev1Event>> ListPodEventsAsync(string ns, string pod, CancellationToken ct)
    {
        var list = await client.CoreV1.ListNamespacedEventAsync(
            ns, fieldSelector: $"involvedObject.name={pod},involvedObject.kind=Pod", limit: MaxEvents, cancellationToken: ct);
        return list.Items ?? [];
    }

    public Task<Stream> OpenLogAsync(string ns, string pod, LogQuery query, CancellationToken ct) =>
        client.CoreV1.ReadNamespacedPodLogAsync(pod, ns, container: query.Container, previous: query.Previous,
            tailLines: query.TailLines, limitBytes: query.LimitBytes, cancellationToken: ct);

    public Task<V1ReplicaSet> GetReplicaSetAsync(string ns, string name, CancellationToken ct) =>
        client.AppsV1.ReadNamespacedReplicaSetAsync(name, ns, cancellationToken: ct);

    public async Task<IList<V1ReplicaSet>> ListReplicaSetsAsync(string ns, string labelSelector, CancellationToken ct)
    {
        var list = await client.AppsV1.ListNamespacedReplicaSetAsync(ns, labelSelector: labelSelector, cancellationToken: ct);
        return list.Items ?? [];
    }

    public Task<V1Deployment> GetDeploymentAsync(string ns, string name, CancellationToken ct) =>
        client.AppsV1.ReadNamespacedDeploymentAsync(name, ns, cancellationToken: ct);

    public Task<V1StatefulSet> GetStatefulSetAsync(string ns, string name, CancellationToken ct) =>
        client.AppsV1.ReadNamespacedStatefulSetAsync(name, ns, cancellationToken: ct);

    public Task<V1DaemonSet> GetDaemonSetAsync(string ns, string name, CancellationToken ct) =>
        client.AppsV1.ReadNamespacedDaemonSetAsync(name, ns, cancellationToken: ct);

    public Task<V1Job> GetJobAsync(string ns, string name, CancellationToken ct) =>
        client.BatchV1.ReadNamespacedJobAsync(name, ns, cancellationToken: ct);

    public Task<V1CronJob> GetCronJobAsync(string ns, string name, CancellationToken ct) =>
        client.BatchV1.ReadNamespacedCronJobAsync(name, ns, cancellationToken: ct);

    public Task<V1Node> GetNodeAsync(string name, CancellationToken ct) =>
        client.CoreV1.ReadNodeAsync(name, cancellationToken: ct);

    // The client reads a custom object as a JsonElement; its raw text needs no (reflection-based) serializer.
    public async Task<string> GetPodMetricsAsync(string ns, string name, CancellationToken ct) =>
        await client.CustomObjects.GetNamespacedCustomObjectAsync("metrics.k8s.io", "v1beta1", ns, "pods", name, cancellationToken: ct) switch
        {
            System.Text.Json.JsonElement element => element.GetRawText(),
            var other => throw new InvalidOperationException($"metrics.k8s.io answered with a {other?.GetType().Name ?? "null"}, not JSON"),
        };
    public Task<V1Service> GetServiceAsync(string ns, string name, CancellationToken ct) =>
        client.CoreV1.ReadNamespacedServiceAsync(name, ns, cancellationToken: ct);

    public async Task<IList<V1Service>> ListServicesAsync(string ns, CancellationToken ct) =>
        (await client.CoreV1.ListNamespacedServiceAsync(ns, limit: MaxListed, cancellationToken: ct)).Items ?? [];

    public async Task<IList<V1EndpointSlice>> ListEndpointSlicesAsync(string ns, string labelSelector, CancellationToken ct) =>
        (await client.DiscoveryV1.ListNamespacedEndpointSliceAsync(ns, labelSelector: labelSelector, limit: MaxListed, cancellationToken: ct)).Items ?? [];

    public async Task<IList<V1Pod>> ListPodsAsync(string ns, string labelSelector, int limit, CancellationToken ct) =>
        (await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: labelSelector, limit: limit, cancellationToken: ct)).Items ?? [];

    public async Task<V1ConfigMap> GetConfigMapKeysAsync(string ns, string name, CancellationToken ct)
    {
        var configMap = await client.CoreV1.ReadNamespacedConfigMapAsync(name, ns, cancellationToken: ct);
        return ConfigMapKeys.Only(configMap);
    }

    public async Task<IList<V1ControllerRevision>> ListControllerRevisionsAsync(string ns, string labelSelector, CancellationToken ct) =>
        (await client.AppsV1.ListNamespacedControllerRevisionAsync(ns, labelSelector: labelSelector, limit: MaxListed, cancellationToken: ct)).Items ?? [];

    public void Dispose() => client.Dispose();
}
