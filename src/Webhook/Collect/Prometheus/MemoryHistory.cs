using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Polly.Timeout;
using Webhook.Diagnosis;

namespace Webhook.Collect.Prometheus;

/// <summary>
/// Answers "how did this container's memory grow?" for an OOM-like diagnosis: the container's working set, OOM events
/// and memory limit over <see cref="PrometheusOptions.Window"/> from Prometheus, else the current usage from
/// metrics.k8s.io. Answers go into the snapshot (<see cref="PodSnapshot.Metrics"/>, <see cref="PodSnapshot.Objects"/>)
/// verbatim, so the pure classifier concludes from them and a bundle replays them. Every failure is a named gap.
/// </summary>
public sealed class MemoryHistory(
    IPrometheusApi? prometheus, PrometheusOptions options, KubernetesConnections? connections, ApiCallLimiter limiter, TimeSpan deadline, TimeProvider clock)
{
    const string Part = "memory history";

    /// <summary>Answers of the last <see cref="PrometheusOptions.Step"/> by query: alerts for one container in a storm (or a re-fire) ask once.</summary>
    readonly ConcurrentDictionary<string, (DateTimeOffset At, Task<(string? Body, string? Gap)> Answer)> recent = new();

    public bool HasPrometheus => prometheus is not null;

    /// <summary>OOM-like: killed at the limit, 137 read as the OOM killer (no probe kill), or a runtime out of heap.</summary>
    public static bool Wants(CrashDiagnosis diagnosis) => diagnosis.Cause is Causes.OomKilled or Causes.RuntimeOutOfMemory;

    /// <summary>The snapshot with the memory answers and gaps added. Never throws but for the caller's cancellation.</summary>
    public async Task<PodSnapshot> AddAsync(PodSnapshot snapshot, string? cluster, CancellationToken cancellationToken)
    {
        if (snapshot.Metrics.ContainsKey(MemoryMetrics.WorkingSet))
            return snapshot; // answered already (a bundle, a retry)
        if (snapshot.Container is not { } container || !KubernetesNames.IsDnsLabel(container))
            return snapshot with { Gaps = [.. snapshot.Gaps, $"{Part}: no container to look up"] };

        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(deadline);
        var metrics = new Dictionary<string, string>(snapshot.Metrics);
        var objects = new Dictionary<string, string>(snapshot.Objects);
        var gaps = new List<string>();
        var haveHistory = false;

        if (prometheus is not null)
        {
            var end = clock.GetUtcNow();
            var start = end - options.Window;
            var queries = MemoryMetrics.Queries(snapshot.Namespace, snapshot.PodName, container);
            var answers = await Task.WhenAll(queries.Select(q => Reused(q.Query, end, () => QueryAsync(q.Query, start, end, timer.Token, cancellationToken))));
            for (var i = 0; i < queries.Count; i++)
            {
                var (body, error) = answers[i];
                if (body is not null)
                    metrics[queries[i].Name] = body;
                else if (error is not null && !gaps.Contains(error))
                    gaps.Add(error);
            }
            if (metrics.TryGetValue(MemoryMetrics.WorkingSet, out var workingSet))
            {
                haveHistory = HasSamples(workingSet);
                if (!haveHistory)
                    gaps.Add($"{Part}: Prometheus has no container_memory_working_set_bytes for {snapshot.Namespace}/{snapshot.PodName}/{container} in the last {Describe(options.Window)} (is the kubelet's cAdvisor scraped?)");
            }
        }

        if (!haveHistory && connections?.Resolve(cluster).Api is { } api)
        {
            var key = MemoryMetrics.PodMetricsKey(snapshot.Namespace, snapshot.PodName);
            try
            {
                // The pods of one workload share their labels, so a storm's pods are answered by one list in the
                // shared reads' window instead of one read each; a pod without labels is read by name.
                string? usage = null;
                var byName = true;
                if (SiblingSelector(snapshot.Pod) is { } selector)
                {
                    try
                    {
                        usage = (await limiter.RunAsync(ct => api.ListPodMetricsAsync(snapshot.Namespace, selector, ct), timer.Token)).GetValueOrDefault(snapshot.PodName);
                        byName = false;
                    }
                    catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Forbidden)
                    {
                        // RBAC of an older manifest grants get, not list, on pods.metrics.k8s.io: ask by name as before.
                    }
                }
                if (byName)
                    usage = await limiter.RunAsync(ct => api.GetPodMetricsAsync(snapshot.Namespace, snapshot.PodName, ct), timer.Token);
                KubernetesMetrics.Record(null);
                if (usage is not null)
                    objects[key] = usage;
                else
                    NoCurrentUsage($"{PodMetricsPart}: not found");
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                KubernetesMetrics.Record(e);
                NoCurrentUsage(ApiGaps.Describe(PodMetricsPart, e, timer.IsCancellationRequested ? deadline : null));
            }
        }

        void NoCurrentUsage(string gap)
        {
            if (prometheus is null)
                gaps.Add($"{Part}: Prometheus:Url is not set, and metrics.k8s.io has no current usage either");
            gaps.Add(gap);
        }

        return snapshot with { Metrics = metrics, Objects = objects, Gaps = [.. snapshot.Gaps, .. gaps] };
    }

    const string PodMetricsPart = "memory usage now (metrics.k8s.io)";

    /// <summary>Labels that differ from pod to pod of one workload: the selector leaves them out.</summary>
    static readonly HashSet<string> PerPodLabels =
    [
        "statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index", "batch.kubernetes.io/job-completion-index",
    ];

    /// <summary>An equality selector of the pod's labels that its sibling pods share, or null when it has none.</summary>
    internal static string? SiblingSelector(k8s.Models.V1Pod? pod)
    {
        var shared = (pod?.Metadata?.Labels ?? new Dictionary<string, string>())
            .Where(l => !PerPodLabels.Contains(l.Key) && KubernetesNames.IsLabelValue(l.Value))
            .OrderBy(l => l.Key, StringComparer.Ordinal)
            .Select(l => $"{l.Key}={l.Value}")
            .ToList();
        return shared.Count == 0 ? null : string.Join(',', shared);
    }

    Task<(string? Body, string? Gap)> Reused(string query, DateTimeOffset now, Func<Task<(string? Body, string? Gap)>> fetch)
    {
        if (recent.TryGetValue(query, out var hit) && now - hit.At < options.Step && !(hit.Answer.IsCompleted && hit.Answer.Result.Body is null))
            return hit.Answer;
        if (recent.Count > 1000)
            foreach (var (key, old) in recent)
                if (now - old.At >= options.Step) recent.TryRemove(key, out _);
        var answer = fetch();
        recent[query] = (now, answer);
        return answer;
    }

    async Task<(string? Body, string? Gap)> QueryAsync(string query, DateTimeOffset start, DateTimeOffset end, CancellationToken deadlineToken, CancellationToken callerToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var body = await limiter.RunAsync(ct => prometheus!.QueryRangeAsync(query, start, end, options.Step, ct), deadlineToken);
            PrometheusMetrics.Record("ok", Stopwatch.GetElapsedTime(started));
            return (body, null);
        }
        catch (Exception e) when (!callerToken.IsCancellationRequested)
        {
            var (outcome, gap) = e switch
            {
                TimeoutRejectedException => ("timeout", $"{Part}: Prometheus timed out (Prometheus:Timeout {Describe(options.Timeout)})"),
                OperationCanceledException => ("timeout", $"{Part}: Prometheus timed out (alert deadline {Describe(deadline)})"),
                PrometheusException p => ("error", $"{Part}: {p.Message}"),
                HttpRequestException h => ("unreachable", $"{Part}: Prometheus unreachable ({h.HttpRequestError})"),
                _ => ("error", $"{Part}: Prometheus query failed ({e.GetType().Name})"),
            };
            PrometheusMetrics.Record(outcome, Stopwatch.GetElapsedTime(started));
            return (null, gap);
        }
    }

    static bool HasSamples(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.TryGetProperty("data", out var data) && data.TryGetProperty("result", out var result)
                && result.ValueKind == JsonValueKind.Array && result.EnumerateArray().Any(s => s.TryGetProperty("values", out var v) && v.GetArrayLength() > 0);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    static string Describe(TimeSpan t) =>
        t.TotalHours >= 1 && t.TotalHours % 1 == 0 ? (t.TotalHours == 1 ? "hour" : $"{t.TotalHours:0} hours")
        : t.TotalMinutes >= 1 ? $"{t.TotalMinutes:0.#} min" : $"{t.TotalSeconds:0.#} s";
}
