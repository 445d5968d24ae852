using k8s.Models;

namespace Webhook.Collect;

/// <summary>
/// The few read-only Kubernetes calls the collector makes: a seam of ours over KubernetesClient, whose
/// <c>*Async</c> methods are extension methods and cannot be substituted. Errors surface as the client's
/// exceptions (<c>HttpOperationException</c>, <c>HttpRequestException</c>); callers turn them into gaps.
/// </summary>
public interface IKubernetesApi
{
    Task<V1Pod> GetPodAsync(string ns, string name, CancellationToken ct);
    Task<IList<Corev1Event>> ListPodEventsAsync(string ns, string pod, CancellationToken ct);
    /// <summary>The log as a stream the caller must dispose; the response is not buffered.</summary>
    Task<Stream> OpenLogAsync(string ns, string pod, LogQuery query, CancellationToken ct);
    Task<V1ReplicaSet> GetReplicaSetAsync(string ns, string name, CancellationToken ct);
    Task<IList<V1ReplicaSet>> ListReplicaSetsAsync(string ns, string labelSelector, CancellationToken ct);
    Task<V1Deployment> GetDeploymentAsync(string ns, string name, CancellationToken ct);
    Task<V1StatefulSet> GetStatefulSetAsync(string ns, string name, CancellationToken ct);
    Task<V1DaemonSet> GetDaemonSetAsync(string ns, string name, CancellationToken ct);
    Task<V1Job> GetJobAsync(string ns, string name, CancellationToken ct);
    Task<V1CronJob> GetCronJobAsync(string ns, string name, CancellationToken ct);
    Task<V1Node> GetNodeAsync(string name, CancellationToken ct);
    /// <summary>metrics-server's current usage of the pod (<c>metrics.k8s.io/v1beta1</c> PodMetrics), as JSON.</summary>
    Task<string> GetPodMetricsAsync(string ns, string name, CancellationToken ct);
    /// <summary>
    /// metrics-server's usage of the pods matching <paramref name="labelSelector"/> (a PodMetricsList), each item's JSON
    /// by pod name: one read answers every pod of a workload, where pods of a storm would each ask for their own.
    /// </summary>
    Task<IReadOnlyDictionary<string, string>> ListPodMetricsAsync(string ns, string labelSelector, CancellationToken ct);

    // Follow-up reads (Investigate): read-only, never Secrets.
    Task<V1Service> GetServiceAsync(string ns, string name, CancellationToken ct);
    Task<IList<V1Service>> ListServicesAsync(string ns, CancellationToken ct);
    Task<IList<V1EndpointSlice>> ListEndpointSlicesAsync(string ns, string labelSelector, CancellationToken ct);
    Task<IList<V1Pod>> ListPodsAsync(string ns, string labelSelector, int limit, CancellationToken ct);
    /// <summary>A ConfigMap with every value already replaced by "": its values never leave this call.</summary>
    Task<V1ConfigMap> GetConfigMapKeysAsync(string ns, string name, CancellationToken ct);
    Task<IList<V1ControllerRevision>> ListControllerRevisionsAsync(string ns, string labelSelector, CancellationToken ct);
}

public sealed record LogQuery(string Container, bool Previous, int TailLines, int LimitBytes);
