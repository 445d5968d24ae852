using System.Collections.ObjectModel;
using k8s.Models;

namespace Webhook.Collect;

/// <summary>
/// <see cref="IKubernetesApi"/> with the reads many alerts share answered from a <see cref="SharedReadCache"/>: owner
/// workloads, ReplicaSet lists, the node, and the follow-ups' Services, EndpointSlices, ConfigMap keys, dependency pod
/// lists and ControllerRevisions; and a pod's metrics.k8s.io usage, which metrics-server itself refreshes only every
/// 10-15 s (an alert that comes back for a busy destination asks again within seconds). The alert's own pod, its
/// events and its logs are always read fresh.
/// Keys carry the namespace and the name or selector; one cache per cluster, so no key crosses clusters.
/// </summary>
public sealed class SharedReadsApi(IKubernetesApi api, SharedReadCache cache) : IKubernetesApi, IDisposable
{
    public Task<V1Pod> GetPodAsync(string ns, string name, CancellationToken ct) => api.GetPodAsync(ns, name, ct);
    public Task<IList<Corev1Event>> ListPodEventsAsync(string ns, string pod, CancellationToken ct) => api.ListPodEventsAsync(ns, pod, ct);
    public Task<Stream> OpenLogAsync(string ns, string pod, LogQuery query, CancellationToken ct) => api.OpenLogAsync(ns, pod, query, ct);
    public Task<string> GetPodMetricsAsync(string ns, string name, CancellationToken ct) =>
        One($"PodMetrics|{ns}|{name}", c => api.GetPodMetricsAsync(ns, name, c), ct);
    public Task<IReadOnlyDictionary<string, string>> ListPodMetricsAsync(string ns, string labelSelector, CancellationToken ct) =>
        cache.GetAsync<IReadOnlyDictionary<string, string>>($"PodMetrics list|{ns}|{labelSelector}",
            async c => new ReadOnlyDictionary<string, string>(new Dictionary<string, string>(await api.ListPodMetricsAsync(ns, labelSelector, c))),
            usage => usage.Count, ct);

    public Task<V1ReplicaSet> GetReplicaSetAsync(string ns, string name, CancellationToken ct) =>
        One($"ReplicaSet|{ns}|{name}", c => api.GetReplicaSetAsync(ns, name, c), ct);
    public Task<IList<V1ReplicaSet>> ListReplicaSetsAsync(string ns, string labelSelector, CancellationToken ct) =>
        Many($"ReplicaSet list|{ns}|{labelSelector}", c => api.ListReplicaSetsAsync(ns, labelSelector, c), ct);
    public Task<V1Deployment> GetDeploymentAsync(string ns, string name, CancellationToken ct) =>
        One($"Deployment|{ns}|{name}", c => api.GetDeploymentAsync(ns, name, c), ct);
    public Task<V1StatefulSet> GetStatefulSetAsync(string ns, string name, CancellationToken ct) =>
        One($"StatefulSet|{ns}|{name}", c => api.GetStatefulSetAsync(ns, name, c), ct);
    public Task<V1DaemonSet> GetDaemonSetAsync(string ns, string name, CancellationToken ct) =>
        One($"DaemonSet|{ns}|{name}", c => api.GetDaemonSetAsync(ns, name, c), ct);
    public Task<V1Job> GetJobAsync(string ns, string name, CancellationToken ct) =>
        One($"Job|{ns}|{name}", c => api.GetJobAsync(ns, name, c), ct);
    public Task<V1CronJob> GetCronJobAsync(string ns, string name, CancellationToken ct) =>
        One($"CronJob|{ns}|{name}", c => api.GetCronJobAsync(ns, name, c), ct);
    public Task<V1Node> GetNodeAsync(string name, CancellationToken ct) =>
        One($"Node||{name}", c => api.GetNodeAsync(name, c), ct);

    public Task<V1Service> GetServiceAsync(string ns, string name, CancellationToken ct) =>
        One($"Service|{ns}|{name}", c => api.GetServiceAsync(ns, name, c), ct);
    public Task<IList<V1Service>> ListServicesAsync(string ns, CancellationToken ct) =>
        Many($"Service list|{ns}|", c => api.ListServicesAsync(ns, c), ct);
    public Task<IList<V1EndpointSlice>> ListEndpointSlicesAsync(string ns, string labelSelector, CancellationToken ct) =>
        Many($"EndpointSlice list|{ns}|{labelSelector}", c => api.ListEndpointSlicesAsync(ns, labelSelector, c), ct);
    public Task<IList<V1Pod>> ListPodsAsync(string ns, string labelSelector, int limit, CancellationToken ct) =>
        Many($"Pod list|{ns}|{limit}|{labelSelector}", c => api.ListPodsAsync(ns, labelSelector, limit, c), ct);
    public Task<V1ConfigMap> GetConfigMapKeysAsync(string ns, string name, CancellationToken ct) =>
        One($"ConfigMap keys|{ns}|{name}", c => api.GetConfigMapKeysAsync(ns, name, c), ct);
    public Task<IList<V1ControllerRevision>> ListControllerRevisionsAsync(string ns, string labelSelector, CancellationToken ct) =>
        Many($"ControllerRevision list|{ns}|{labelSelector}", c => api.ListControllerRevisionsAsync(ns, labelSelector, c), ct);

    Task<T> One<T>(string key, Func<CancellationToken, Task<T>> read, CancellationToken ct) where T : class =>
        cache.GetAsync(key, read, _ => 1, ct);

    // Read-only, so no alert can reorder or trim the list another alert reads.
    Task<IList<T>> Many<T>(string key, Func<CancellationToken, Task<IList<T>>> read, CancellationToken ct) =>
        cache.GetAsync<IList<T>>(key, async c => new ReadOnlyCollection<T>(await read(c)), list => list.Count, ct);

    public void Dispose() => cache.Dispose();
}
