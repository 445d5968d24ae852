// Collect benchmark: dotnet run -c Release --project tests/Webhook.CollectBenchmark [-- --alerts 200 --log-mb 10 --rounds 1000]
// Prints collect time per alert (p50/p99, sequential) and memory growth while all alerts are collected at once.
// With --follow-ups: extra API calls of the Investigate stage per alert, single and in a storm, and its p50/p99.
using System.Diagnostics;
using Webhook.Collect;
using Webhook.CollectBenchmark;
using Webhook.Replay;

if (args.Contains("--storm"))
{
    // tests/bench/storm.sh: dotnet run -c Release --project tests/Webhook.CollectBenchmark -- --storm HOST.dll [--aot EXE] [--pods 2000]
    await StormPipelineBench.RunAsync(args[Array.IndexOf(args, "--storm") + 1],
        args.Contains("--aot") ? args[Array.IndexOf(args, "--aot") + 1] : null, Arg("--pods", 2000));
    return;
}

if (args.Contains("--follow-ups"))
{
    // dotnet run -c Release --project tests/Webhook.CollectBenchmark -- --follow-ups [--pods 2000 --workloads 50 --rounds 200]
    await FollowUpBench.RunAsync(Arg("--pods", 2000), Arg("--workloads", 50), Arg("--rounds", 200));
    return;
}

var alerts = Arg("--alerts", 200);
var logMegabytes = Arg("--log-mb", 10);
var rounds = Arg("--rounds", 1000);

var root = Directory.CreateTempSubdirectory("collect-bench-").FullName;
try
{
    var pods = StormBundles.Write(root, alerts, logMegabytes);
    await using var server = await ReplayServer.StartAsync(BundleStore.Discover(root));
    using var collector = new StandaloneCollector(new KubernetesOptions { Server = server.Url.ToString() });
    Console.WriteLine($"{alerts} pods, previous log {logMegabytes} MB each, replay server {server.Url}, {Environment.ProcessorCount} cores");

    // Latency: one alert at a time, after warming up the JIT and the connection pool.
    for (var i = 0; i < 50; i++)
        await collector.CollectAsync(StandaloneCollector.ManualAlert("bench", pods[i % pods.Count], "app"), default);
    var times = new double[rounds];
    for (var i = 0; i < rounds; i++)
    {
        var start = Stopwatch.GetTimestamp();
        var snapshot = await collector.CollectAsync(StandaloneCollector.ManualAlert("bench", pods[i % pods.Count], "app"), default);
        times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        if (snapshot.Gaps.Count > 0 || snapshot.PreviousLog is null)
            throw new InvalidOperationException($"unexpected gaps: {string.Join("; ", snapshot.Gaps)}");
    }
    Array.Sort(times);
    Console.WriteLine($"collect time per alert (sequential, {rounds} alerts): p50 {Percentile(times, 50):0.00} ms, p99 {Percentile(times, 99):0.00} ms, max {times[^1]:0.00} ms");

    await Storm("storm", server, collector, pods);
    server.Faults.IgnoreLogLimits();
    await Storm("storm, server ignoring tailLines/limitBytes", server, collector, pods);
}
finally
{
    Directory.Delete(root, recursive: true);
}

static async Task Storm(string name, ReplayServer server, StandaloneCollector collector, IReadOnlyList<string> pods)
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    GC.Collect();
    using var sampler = new MemorySampler();
    var logBytesBefore = server.Stats.LogBytesSent;
    var start = Stopwatch.GetTimestamp();
    var snapshots = await Task.WhenAll(pods.Select(p => collector.CollectAsync(StandaloneCollector.ManualAlert("bench", p, "app"), default)));
    var elapsed = Stopwatch.GetElapsedTime(start);
    var peak = sampler.Stop();
    var kept = snapshots.Sum(s => (long)(s.PreviousLog?.Text.Length ?? 0) + (s.CurrentLog?.Text.Length ?? 0)) * sizeof(char);
    Console.WriteLine($"{name}: {pods.Count} alerts at once in {elapsed.TotalMilliseconds:0} ms; " +
        $"peak growth: managed heap {peak.HeapGrowth / 1048576.0:0.0} MB, working set {peak.WorkingSetGrowth / 1048576.0:0.0} MB; " +
        $"log bytes served {(server.Stats.LogBytesSent - logBytesBefore) / 1048576.0:0.0} MB; log text kept {kept / 1048576.0:0.0} MB; " +
        $"gaps {snapshots.Sum(s => s.Gaps.Count)}");
    GC.KeepAlive(snapshots);
}

static double Percentile(double[] sorted, int p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p / 100.0 * sorted.Length) - 1)];

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) ? v : fallback;
}
