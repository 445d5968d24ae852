using System.Text;
using System.Text.Json.Nodes;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Http;
using Webhook.Collect;
using Webhook.Collect.Prometheus;
using Webhook.Diagnosis;
using Webhook.Tests.Diagnosis;
using Webhook.Tests.Support;

namespace Webhook.Tests.Collect;

/// <summary>
/// The memory history stage over real HTTP: the real Prometheus binary scraping a cAdvisor stand-in (a leak and a
/// start-up spike in compressed time), then our client and the pure finder; and the gaps when Prometheus times out,
/// fails, or is not there, and metrics.k8s.io is not served.
/// </summary>
public class MemoryHistoryTests(Xunit.Abstractions.ITestOutputHelper output)
{
    static PodSnapshot OomKilled(string pod) =>
        new Crash { ExitCode = 137, Reason = "OOMKilled", MemoryLimit = "256Mi" }.Snapshot() with { PodName = pod };

    static MemoryHistory Stage(PrometheusOptions options, HttpClient http, ApiCallLimiter limiter, KubernetesConnections? connections = null) =>
        new(new PrometheusApi(http, new Uri(options.Url!)), options, connections, limiter, TimeSpan.FromSeconds(10), TimeProvider.System);

    static HttpClient Http(PrometheusOptions options) => PrometheusApi.Create(options).Http;

    [Fact]
    public async Task RealPrometheusScrapingALeakAndAStartUpSpikeGivesEachItsFindingAndStep()
    {
        await using var cadvisor = await CadvisorStandIn.StartAsync();
        await using var prometheus = await PrometheusProcess.StartAsync($"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: kubelet-cadvisor
                honor_labels: true
                metrics_path: /metrics/cadvisor
                static_configs:
                  - targets: ['{cadvisor.HostAndPort}']
            """, new Dictionary<string, string>());

        var options = new PrometheusOptions { Url = prometheus.BaseUrl, Window = TimeSpan.FromMinutes(1), Step = TimeSpan.FromSeconds(1), RetryDelay = TimeSpan.FromMilliseconds(10) };
        var (api, http) = PrometheusApi.Create(options);
        using var _ = http;
        using var limiter = new ApiCallLimiter(4);
        var stage = new MemoryHistory(api, options, null, limiter, TimeSpan.FromSeconds(10), TimeProvider.System);

        // Enough history: two whole instances of each pod behind the one running now (three container ids).
        await Eventually.TrueAsync(async () =>
        {
            var now = DateTimeOffset.UtcNow;
            var body = await api.QueryRangeAsync("count by (pod) (count_over_time(container_memory_working_set_bytes{container=\"app\"}[1m]) > 0)", now, now, TimeSpan.FromSeconds(1), CancellationToken.None);
            var series = MemorySeries.Parse(body);
            var ids = await api.QueryRangeAsync("container_memory_working_set_bytes{container=\"app\",pod=\"leaky-0\"}", now - TimeSpan.FromMinutes(1), now, TimeSpan.FromSeconds(1), CancellationToken.None);
            return series.Count == 2 && MemorySeries.Parse(ids).Count >= 4;
        }, TimeSpan.FromSeconds(90), "Prometheus to hold three finished instances of each pod");

        var timer = System.Diagnostics.Stopwatch.StartNew();
        var leaky = await stage.AddAsync(OomKilled("leaky-0"), null, CancellationToken.None);
        output.WriteLine($"memory history stage (3 range queries, real Prometheus): {timer.Elapsed.TotalMilliseconds:0} ms, {leaky.Metrics["memory_working_set"].Length} bytes of working set");
        var spiky = await stage.AddAsync(OomKilled("spiky-0"), null, CancellationToken.None);
        Assert.Empty(leaky.Gaps);
        Assert.Equal(["memory_limit", "memory_working_set", "oom_events"], leaky.Metrics.Keys.Order());
        // Only the container's series: the pod-level one (container="", 900Mi) is not in the answer.
        Assert.All(MemorySeries.Parse(leaky.Metrics["memory_working_set"]), s => Assert.Equal("app", s.Labels["container"]));

        var leak = new CrashClassifier().Classify(leaky);
        var history = Assert.Single(leak.Findings, f => f.Kind == "memory-history");
        Assert.Equal("leak", history.Get("growth"));
        Assert.True(int.Parse(history.Get("kills")!) >= 2, history.Text);
        var peak = long.Parse(history.Get("peakBytes")!);
        Assert.InRange(peak, 200L << 20, 250L << 20);
        var proposed = Remedies.Suggest(peak, 1.25);
        Assert.Equal(proposed, history.Get("proposedLimit"));
        Assert.Equal($"peak {history.Get("peak")} × 1.25 headroom, rounded up to {proposed}", history.Get("rule"));
        Assert.True(int.Parse(history.Get("oomEvents")!) >= 2, history.Text);
        Assert.Contains(leak.Remediation, r => r.StartsWith("Memory grew steadily until each kill", StringComparison.Ordinal) && r.Contains("a leak: a larger limit only delays the kill", StringComparison.Ordinal));

        var spike = new CrashClassifier().Classify(spiky);
        var spikeHistory = Assert.Single(spike.Findings, f => f.Kind == "memory-history");
        Assert.Equal("spike", spikeHistory.Get("growth"));
        Assert.Contains(spikeHistory.Get("peak"), new[] { "240Mi", "242Mi" }); // 242Mi on odd seconds, if a scrape fell on one
        Assert.Equal($"peak {spikeHistory.Get("peak")} × 1.25 headroom, rounded up to 320Mi", spikeHistory.Get("rule"));
        Assert.Contains(spike.Remediation, r => r.Contains("(a start-up spike, not a leak): raise resources.limits.memory of app from 256Mi to 320Mi", StringComparison.Ordinal));
        Assert.DoesNotContain(spike.Remediation, r => r.Contains("only delays the kill", StringComparison.Ordinal));

        // The service: an alert for leaky-0 (OOMKilled at 256Mi on the replay API server) reaches the generic webhook
        // with the history's finding and step, read by the pipeline from the same Prometheus.
        await using var replay = new ReplayHarness();
        var app = TestPods.Container("app");
        app.Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new("256Mi") } };
        var pod = TestPods.Pod("leaky-0", app);
        pod.Status.ContainerStatuses = [TestPods.CrashLooping("app", 5, 137, "OOMKilled")];
        replay.Bundle(pod);
        await replay.StartAsync();
        await using var receiver = await TestReceiver.StartAsync();
        await using var service = new WebhookApp(new Dictionary<string, string?>
        {
            ["Kubernetes:Enabled"] = "true",
            ["Kubernetes:Server"] = replay.Server!.Url.ToString(),
            ["Prometheus:Url"] = prometheus.BaseUrl,
            ["Prometheus:Window"] = "00:01:00",
            ["Prometheus:Step"] = "00:00:01",
            ["Routes:default:Webhook:Url"] = receiver.Url(),
        });
        var alert = Payloads.Alert("leak-1", pod: "leaky-0");
        alert["labels"]!["container"] = "app";
        await service.CreateAuthorizedClient().PostAsync("/alerts", new StringContent(Payloads.Group(alert).ToJsonString(), Encoding.UTF8, "application/json"));
        await Eventually.TrueAsync(() => receiver.Accepted.Count == 1, TimeSpan.FromSeconds(30), "the diagnosis document");
        var document = JsonNode.Parse(receiver.Accepted[0].Body)!;
        Assert.Equal("oom-killed", (string?)document["cause"]);
        // The document carries no findings (yet); the steps written from the history show it was read.
        Assert.Contains(document["remediation"]!.AsArray(), r => ((string?)r)!.StartsWith("Memory grew steadily until each kill", StringComparison.Ordinal));
        Assert.Contains(document["remediation"]!.AsArray(), r => ((string?)r)!.Contains("× 1.25 headroom, rounded up to", StringComparison.Ordinal));

        // No samples for a pod Prometheus never saw: a named gap, and the stage goes on.
        var unknown = await stage.AddAsync(OomKilled("gone-0"), null, CancellationToken.None);
        Assert.Contains(unknown.Gaps, g => g.StartsWith("memory history: Prometheus has no container_memory_working_set_bytes for shop/gone-0/app in the last 1 min", StringComparison.Ordinal));
        Assert.DoesNotContain(new CrashClassifier().Classify(unknown).Findings, f => f.Kind == "memory-history");
    }

    [Fact]
    public async Task APrometheusThatNeverAnswersIsRetriedAndBecomesATimedOutGap()
    {
        var hits = 0;
        var app = LoopbackApp.Create();
        app.MapGet("/api/v1/query_range", async (HttpContext c) =>
        {
            Interlocked.Increment(ref hits);
            await Task.Delay(Timeout.Infinite, c.RequestAborted);
        });
        await app.StartAsync();
        await using var _ = app;
        var options = new PrometheusOptions { Url = app.BaseUrl().ToString(), Timeout = TimeSpan.FromMilliseconds(200), RetryAttempts = 1, RetryDelay = TimeSpan.FromMilliseconds(10) };
        using var http = Http(options);
        using var limiter = new ApiCallLimiter(4);
        var snapshot = await Stage(options, http, limiter).AddAsync(OomKilled("api-7d9f"), null, CancellationToken.None);
        Assert.Equal(["memory history: Prometheus timed out (Prometheus:Timeout 0.2 s)"], snapshot.Gaps);
        Assert.Empty(snapshot.Metrics);
        Assert.Equal(6, hits); // three queries, each tried twice: every try was cut at Prometheus:Timeout, none hung
        Assert.Contains(new CrashClassifier().Classify(snapshot).Remediation, r => r.Contains("from 256Mi to 384Mi", StringComparison.Ordinal));
    }

    [Fact]
    public async Task APrometheusErrorIsRetriedBoundedThenNamedWithItsMessage()
    {
        var hits = 0;
        var app = LoopbackApp.Create();
        app.MapGet("/api/v1/query_range", () =>
        {
            Interlocked.Increment(ref hits);
            return Results.Json(new { status = "error", errorType = "unavailable", error = "TSDB not ready" }, statusCode: 503);
        });
        await app.StartAsync();
        await using var _ = app;
        var options = new PrometheusOptions { Url = app.BaseUrl().ToString(), RetryAttempts = 2, RetryDelay = TimeSpan.FromMilliseconds(1) };
        using var http = Http(options);
        using var limiter = new ApiCallLimiter(4);
        var snapshot = await Stage(options, http, limiter).AddAsync(OomKilled("api-7d9f"), null, CancellationToken.None);
        Assert.Equal(["memory history: Prometheus answered 503: unavailable: TSDB not ready"], snapshot.Gaps);
        Assert.Equal(9, hits);
    }

    [Fact]
    public async Task AlertsForOneContainerWithinAStepAskPrometheusOnce()
    {
        var hits = 0;
        var app = LoopbackApp.Create();
        app.MapGet("/api/v1/query_range", () =>
        {
            Interlocked.Increment(ref hits);
            return Results.Text(MemoryHistoryFinderTests.Leak(), "application/json");
        });
        await app.StartAsync();
        await using var _ = app;
        var options = new PrometheusOptions { Url = app.BaseUrl().ToString(), Step = TimeSpan.FromMinutes(5) };
        using var http = Http(options);
        using var limiter = new ApiCallLimiter(4);
        var stage = Stage(options, http, limiter);
        var first = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => stage.AddAsync(OomKilled("api-7d9f"), null, CancellationToken.None)));
        Assert.Equal(3, hits);
        Assert.All(first, s => Assert.Equal(MemoryHistoryFinderTests.Leak(), s.Metrics["memory_working_set"]));
        await stage.AddAsync(OomKilled("api-other"), null, CancellationToken.None);
        Assert.Equal(6, hits);
    }

    [Fact]
    public async Task AnUnreachablePrometheusIsAGapAndMetricsServerIsAskedInstead()
    {
        await using var replay = new ReplayHarness();
        replay.Bundle(TestPods.Pod("api-7d9f", TestPods.Container("app")));
        await replay.StartAsync();
        var collector = replay.Collector();
        var options = new PrometheusOptions { Url = $"http://127.0.0.1:{ServiceProcess.FreePort()}", RetryAttempts = 1, RetryDelay = TimeSpan.FromMilliseconds(1) };
        using var http = Http(options);
        using var limiter = new ApiCallLimiter(4);
        var snapshot = await Stage(options, http, limiter, collector.Connections).AddAsync(OomKilled("api-7d9f") with { Namespace = TestPods.Ns }, null, CancellationToken.None);
        Assert.Equal(["memory history: Prometheus unreachable (ConnectionError)", "memory usage now (metrics.k8s.io): not found"], snapshot.Gaps);

        // Without Prometheus at all, the same fallback, and the gap says why there is no history.
        var none = new MemoryHistory(null, new PrometheusOptions(), collector.Connections, limiter, TimeSpan.FromSeconds(10), TimeProvider.System);
        var alone = await none.AddAsync(OomKilled("api-7d9f") with { Namespace = TestPods.Ns }, null, CancellationToken.None);
        Assert.Equal(["memory history: Prometheus:Url is not set, and metrics.k8s.io has no current usage either", "memory usage now (metrics.k8s.io): not found"], alone.Gaps);
    }

    [Fact]
    public async Task ABadPrometheusUrlStopsTheHostAtStartWithOneLine()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Prometheus:Url"] = "prometheus.monitoring.svc:9090" });
        builder.Services.AddMemoryHistory(builder.Configuration);
        using var host = builder.Build();
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Equal(["Prometheus:Url: 'prometheus.monitoring.svc:9090' is not an absolute http(s) URL (e.g. http://kube-prometheus-stack-prometheus.monitoring.svc:9090)."], error.Failures);
    }

    [Theory]
    [InlineData("prometheus:9090")]
    [InlineData("ftp://prometheus:9090")]
    [InlineData("/api/v1")]
    public void APrometheusUrlThatIsNotAnAbsoluteHttpUrlIsOneClearLine(string url)
    {
        var result = new PrometheusOptionsValidator().Validate(null, new PrometheusOptions { Url = url });
        var line = Assert.Single(result.Failures!);
        Assert.StartsWith($"Prometheus:Url: '{url}' is not an absolute http(s) URL", line);
    }

    [Fact]
    public void NoPrometheusUrlIsValidAndMeansNoHistory()
    {
        Assert.True(new PrometheusOptionsValidator().Validate(null, new PrometheusOptions()).Succeeded);
        Assert.True(new PrometheusOptionsValidator().Validate(null, new PrometheusOptions { Url = "http://kube-prometheus-stack-prometheus.monitoring.svc:9090" }).Succeeded);
    }
}
