using System.CommandLine;
using System.Text.Json.Nodes;
using Webhook.Cli;
using Webhook.Collect;
using Webhook.Collect.Prometheus;
using Webhook.Diagnosis;
using Webhook.Tests.Diagnosis;

namespace Webhook.Tests.Collect;

/// <summary>
/// A bundle's memory answers served back by the replay server (Prometheus query_range, metrics.k8s.io), read by the
/// real KubernetesClient and our Prometheus client; <c>capture</c> writes them into a bundle and <c>diagnose</c> of that
/// bundle says what <c>diagnose --namespace</c> said live.
/// </summary>
public class ReplayMemoryTests
{
    static readonly Crash Oom = new() { ExitCode = 137, Reason = "OOMKilled", MemoryLimit = "256Mi", Ran = TimeSpan.FromMinutes(20) };

    [Fact]
    public async Task CaptureSavesTheMemoryHistoryAndDiagnoseOfTheBundleMatchesTheLiveDiagnosis()
    {
        await using var replay = new ReplayHarness();
        var bundle = replay.Bundle(Oom.Snapshot().Pod!);
        Directory.CreateDirectory(Path.Combine(bundle.Folder, "metrics"));
        File.WriteAllText(Path.Combine(bundle.Folder, "metrics", "memory_working_set.json"), MemoryHistoryFinderTests.Leak());
        var server = (await replay.StartAsync()).Url.ToString();

        // The stage against the replay server as Prometheus: the answer is the bundle's file, verbatim.
        var collector = replay.Collector();
        var options = new PrometheusOptions { Url = server };
        var (api, http) = PrometheusApi.Create(options);
        using var _ = http;
        using var limiter = new ApiCallLimiter(4);
        var stage = new MemoryHistory(api, options, collector.Connections, limiter, TimeSpan.FromSeconds(10), TimeProvider.System);
        var snapshot = await stage.AddAsync(await collector.CollectAsync("shop", "api-7d9f", null, CancellationToken.None), null, CancellationToken.None);
        Assert.Equal(MemoryHistoryFinderTests.Leak(), snapshot.Metrics["memory_working_set"]);
        Assert.Equal("""{"status":"success","data":{"resultType":"matrix","result":[]}}""", snapshot.Metrics["oom_events"]);
        Assert.Equal("leak", new CrashClassifier().Classify(snapshot).Findings.Single(f => f.Kind == "memory-history").Get("growth"));

        var output = Path.Combine(replay.Root, "captured");
        Assert.Equal(0, await new RootCommand { CaptureCommand.Create() }.Parse(["capture", "-n", "shop", "api-7d9f", output, "--server", server, "--prometheus", server]).InvokeAsync());
        Assert.Equal(MemoryHistoryFinderTests.Leak(), File.ReadAllText(Path.Combine(output, "metrics", "memory_working_set.json")));

        var live = Diagnose(["--namespace", "shop", "api-7d9f", "--server", server, "--prometheus", server]);
        var offline = Diagnose([output]);
        Assert.Equal("oom-killed", (string?)live["cause"]);
        Assert.Contains(live["findings"]!.AsArray(), f => (string?)f!["kind"] == "memory-history");
        Assert.Equal(live["findings"]!.ToJsonString(), offline["findings"]!.ToJsonString());
        Assert.Equal(live["remediation"]!.ToJsonString(), offline["remediation"]!.ToJsonString());
    }

    [Fact]
    public async Task MetricsServersPodMetricsAreServedAndBecomeTheUsageFinding()
    {
        await using var replay = new ReplayHarness();
        var bundle = replay.Bundle(Oom.Snapshot().Pod!);
        Directory.CreateDirectory(Path.Combine(bundle.Folder, "objects"));
        File.WriteAllText(Path.Combine(bundle.Folder, "objects", "PodMetrics.shop.api-7d9f.json"),
            """{"kind":"PodMetrics","apiVersion":"metrics.k8s.io/v1beta1","metadata":{"name":"api-7d9f","namespace":"shop"},"timestamp":"2026-11-24T20:21:00Z","window":"15s","containers":[{"name":"app","usage":{"cpu":"3m","memory":"240Mi"}}]}""");
        await replay.StartAsync();
        var collector = replay.Collector();
        using var limiter = new ApiCallLimiter(4);
        var stage = new MemoryHistory(null, new PrometheusOptions(), collector.Connections, limiter, TimeSpan.FromSeconds(10), TimeProvider.System);
        var snapshot = await stage.AddAsync(await collector.CollectAsync("shop", "api-7d9f", null, CancellationToken.None), null, CancellationToken.None);
        Assert.DoesNotContain(snapshot.Gaps, g => g.StartsWith("memory", StringComparison.Ordinal)); // the usage step itself says what Prometheus:Url would add
        var d = new CrashClassifier().Classify(snapshot);
        Assert.Equal("94", d.Findings.Single(f => f.Kind == "memory-usage").Get("usageOfLimit"));
        Assert.Contains(d.Remediation, r => r.StartsWith("It uses 240Mi of 256Mi now (metrics.k8s.io)", StringComparison.Ordinal));
    }

    static JsonNode Diagnose(string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = new RootCommand { DiagnoseCommand.Create() }.Parse(["diagnose", .. args, "--output", "json"])
            .Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
        Assert.True(exit == 0, stderr.ToString());
        return JsonNode.Parse(stdout.ToString())!;
    }
}
