using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using k8s.Authentication;
using k8s.Autorest;
using k8s.Models;

namespace Webhook.Collect;

/// <summary>
/// The production <see cref="IKubernetesApi"/>: the REST calls themselves, read with the service's own JSON
/// (<see cref="KubernetesObjectsContext"/>) instead of through KubernetesClient's generated operations, whose
/// serializer brings the metadata of every Kubernetes model into the executable (tests/bench/FOOTPRINT.md). The
/// client library still finds the cluster and its credentials (<see cref="KubernetesHttp"/>); errors surface as its
/// exceptions (<see cref="HttpOperationException"/> with the status, <see cref="HttpRequestException"/>).
/// </summary>
public sealed class KubernetesApi : IKubernetesApi, IDisposable
{
    // Events past this many are noise for a diagnosis and would only cost memory.
    const int MaxEvents = 200;
    // A follow-up list (Services of a namespace, slices, revisions) past this many is not one a diagnosis reads.
    const int MaxListed = 100;

    readonly HttpClient http;
    readonly Uri server;
    readonly ServiceClientCredentials? credentials;
    readonly TimeSpan timeout;

    /// <param name="http">Sends to the API server (TLS, client certificate, retries: <see cref="KubernetesHttp"/>); owned and disposed here.</param>
    /// <param name="credentials">Adds the Authorization header to each request (a token re-read when it rotates), or null.</param>
    /// <param name="timeout">Per request, answer read included (Kubernetes:HttpTimeout); a log stream only until its headers.</param>
    public KubernetesApi(HttpClient http, Uri server, ServiceClientCredentials? credentials, TimeSpan timeout)
    {
        this.http = http;
        this.server = server.AbsoluteUri.EndsWith('/') ? server : new Uri(server.AbsoluteUri + "/");
        this.credentials = credentials;
        this.timeout = timeout;
    }

    static KubernetesObjectsContext Json => KubernetesObjectsContext.Default;

    public Task<V1Pod> GetPodAsync(string ns, string name, CancellationToken ct) =>
        GetAsync($"api/v1/namespaces/{E(ns)}/pods/{E(name)}", Json.V1Pod, ct);

    public async Task<IList<Corev1Event>> ListPodEventsAsync(string ns, string pod, CancellationToken ct) =>
        (await GetAsync(Query($"api/v1/namespaces/{E(ns)}/events",
            ("fieldSelector", $"involvedObject.name={pod},involvedObject.kind=Pod"), ("limit", $"{MaxEvents}")), Json.Corev1EventList, ct)).Items ?? [];

    public async Task<Stream> OpenLogAsync(string ns, string pod, LogQuery query, CancellationToken ct)
    {
        var path = Query($"api/v1/namespaces/{E(ns)}/pods/{E(pod)}/log", ("container", query.Container),
            ("limitBytes", $"{query.LimitBytes}"), ("previous", query.Previous ? "true" : "false"), ("tailLines", $"{query.TailLines}"));
        HttpResponseMessage response;
        using (var timer = Timer(ct))
            response = await SendAsync(path, json: false, timer.Token);
        try
        {
            // Not buffered: the tail reader keeps only the last bytes of what may be a megabyte.
            return await response.Content.ReadAsStreamAsync(ct);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    public Task<V1ReplicaSet> GetReplicaSetAsync(string ns, string name, CancellationToken ct) =>
        GetAsync($"apis/apps/v1/namespaces/{E(ns)}/replicasets/{E(name)}", Json.V1ReplicaSet, ct);

    public async Task<IList<V1ReplicaSet>> ListReplicaSetsAsync(string ns, string labelSelector, CancellationToken ct) =>
        (await GetAsync(Query($"apis/apps/v1/namespaces/{E(ns)}/replicasets", ("labelSelector", labelSelector)), Json.V1ReplicaSetList, ct)).Items ?? [];

    public Task<V1Deployment> GetDeploymentAsync(string ns, string name, CancellationToken ct) =>
        GetAsync($"apis/apps/v1/namespaces/{E(ns)}/deployments/{E(name)}", Json.V1Deployment, ct);

    public Task<V1StatefulSet> GetStatefulSetAsync(string ns, string name, CancellationToken ct) =>
        GetAsync($"apis/apps/v1/namespaces/{E(ns)}/statefulsets/{E(name)}", Json.V1StatefulSet, ct);

    public Task<V1DaemonSet> GetDaemonSetAsync(string ns, string name, CancellationToken ct) =>
        GetAsync($"apis/apps/v1/namespaces/{E(ns)}/daemonsets/{E(name)}", Json.V1DaemonSet, ct);

    public Task<V1Job> GetJobAsync(string ns, string name, CancellationToken ct) =>
        GetAsync($"apis/batch/v1/namespaces/{E(ns)}/jobs/{E(name)}", Json.V1Job, ct);

    public Task<V1CronJob> GetCronJobAsync(string ns, string name, CancellationToken ct) =>
        GetAsync($"apis/batch/v1/namespaces/{E(ns)}/cronjobs/{E(name)}", Json.V1CronJob, ct);

    public Task<V1Node> GetNodeAsync(string name, CancellationToken ct) =>
        GetAsync($"api/v1/nodes/{E(name)}", Json.V1Node, ct);

    // The answer's own JSON text: no model of it is needed.
    public async Task<string> GetPodMetricsAsync(string ns, string name, CancellationToken ct) =>
        (await GetAsync($"apis/metrics.k8s.io/v1beta1/namespaces/{E(ns)}/pods/{E(name)}", Json.JsonElement, ct)).GetRawText();

    public async Task<IReadOnlyDictionary<string, string>> ListPodMetricsAsync(string ns, string labelSelector, CancellationToken ct)
    {
        var list = await GetAsync(Query($"apis/metrics.k8s.io/v1beta1/namespaces/{E(ns)}/pods", ("labelSelector", labelSelector)), Json.JsonElement, ct);
        var byPod = new Dictionary<string, string>(StringComparer.Ordinal);
        if (list.ValueKind == JsonValueKind.Object && list.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array)
            foreach (var item in items.EnumerateArray())
                if (item.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object &&
                    metadata.TryGetProperty("name", out var name) && name.GetString() is { } pod)
                    byPod[pod] = item.GetRawText();
        return byPod;
    }

    public Task<V1Service> GetServiceAsync(string ns, string name, CancellationToken ct) =>
        GetAsync($"api/v1/namespaces/{E(ns)}/services/{E(name)}", Json.V1Service, ct);

    public async Task<IList<V1Service>> ListServicesAsync(string ns, CancellationToken ct) =>
        (await GetAsync(Query($"api/v1/namespaces/{E(ns)}/services", ("limit", $"{MaxListed}")), Json.V1ServiceList, ct)).Items ?? [];

    public async Task<IList<V1EndpointSlice>> ListEndpointSlicesAsync(string ns, string labelSelector, CancellationToken ct) =>
        (await GetAsync(Query($"apis/discovery.k8s.io/v1/namespaces/{E(ns)}/endpointslices", ("labelSelector", labelSelector), ("limit", $"{MaxListed}")),
            Json.V1EndpointSliceList, ct)).Items ?? [];

    public async Task<IList<V1Pod>> ListPodsAsync(string ns, string labelSelector, int limit, CancellationToken ct) =>
        (await GetAsync(Query($"api/v1/namespaces/{E(ns)}/pods", ("labelSelector", labelSelector), ("limit", $"{limit}")), Json.V1PodList, ct)).Items ?? [];

    public async Task<V1ConfigMap> GetConfigMapKeysAsync(string ns, string name, CancellationToken ct) =>
        ConfigMapKeys.Only(await GetAsync($"api/v1/namespaces/{E(ns)}/configmaps/{E(name)}", Json.V1ConfigMap, ct));

    public async Task<IList<V1ControllerRevision>> ListControllerRevisionsAsync(string ns, string labelSelector, CancellationToken ct) =>
        (await GetAsync(Query($"apis/apps/v1/namespaces/{E(ns)}/controllerrevisions", ("labelSelector", labelSelector), ("limit", $"{MaxListed}")),
            Json.V1ControllerRevisionList, ct)).Items ?? [];

    async Task<T> GetAsync<T>(string path, JsonTypeInfo<T> type, CancellationToken ct)
    {
        using var timer = Timer(ct);
        using var response = await SendAsync(path, json: true, timer.Token);
        await using var body = await response.Content.ReadAsStreamAsync(timer.Token);
        return await JsonSerializer.DeserializeAsync(body, type, timer.Token)
            ?? throw new JsonException($"the API server answered GET /{path} with null");
    }

    /// <summary>A GET whose answer is 2xx, else an <see cref="HttpOperationException"/> with the status and body.</summary>
    async Task<HttpResponseMessage> SendAsync(string path, bool json, CancellationToken token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server, path));
        if (json)
            request.Headers.Accept.Add(Accepts);
        if (credentials is not null)
            await credentials.ProcessHttpRequestAsync(request, token);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
        if (response.IsSuccessStatusCode)
            return response;
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(token);
            // The library's exception, so the callers' mapping of 404, 403, 400 (ApiGaps) stays one.
            throw new HttpOperationException($"Operation returned an invalid status code '{response.StatusCode}', response body {body}")
            {
                Request = new HttpRequestMessageWrapper(request, null),
                Response = new HttpResponseMessageWrapper(response, body),
            };
        }
    }

    CancellationTokenSource Timer(CancellationToken ct)
    {
        var timer = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timer.CancelAfter(timeout);
        return timer;
    }

    static readonly MediaTypeWithQualityHeaderValue Accepts = new("application/json");

    static string E(string segment) => Uri.EscapeDataString(segment);

    static string Query(string path, params (string Name, string Value)[] parameters)
    {
        var query = new StringBuilder(path);
        var separator = '?';
        foreach (var (name, value) in parameters)
        {
            query.Append(separator).Append(name).Append('=').Append(Uri.EscapeDataString(value));
            separator = '&';
        }
        return query.ToString();
    }

    public void Dispose() => http.Dispose();
}
