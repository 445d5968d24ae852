using System.Globalization;
using System.Text;
using System.Text.Json;
using Webhook.Bundles;
using Webhook.Cli;
using Webhook.Collect;
using Webhook.Diagnosis;

namespace Webhook.Tests.Diagnosis;

/// <summary>
/// The memory history finder over plain query_range JSON: a leak, a start-up spike, no data, metrics.k8s.io's current
/// usage alone, and the OOM steps written from each (the observed peak replaces "current limit × 1.5").
/// </summary>
public class MemoryHistoryFinderTests
{
    const double Mi = 1024 * 1024;
    static readonly TimeSpan Step = TimeSpan.FromSeconds(15);

    /// <summary>A query_range answer: one series per (labels, samples).</summary>
    public static string Matrix(params (string Id, IEnumerable<(DateTimeOffset At, double Value)> Samples)[] series)
    {
        var json = new StringBuilder("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[");
        json.AppendJoin(',', series.Select(s =>
            $"{{\"metric\":{{\"__name__\":\"container_memory_working_set_bytes\",\"namespace\":\"shop\",\"pod\":\"api-7d9f\",\"container\":\"app\",\"id\":\"{s.Id}\"}},\"values\":["
            + string.Join(',', s.Samples.Select(p => $"[{(p.At.ToUnixTimeMilliseconds() / 1000.0).ToString("0.###", CultureInfo.InvariantCulture)},\"{p.Value.ToString("0", CultureInfo.InvariantCulture)}\"]"))
            + "]}"));
        return json.Append("]}}").ToString();
    }

    /// <summary>Samples every 15 s from <paramref name="start"/> for <paramref name="length"/>, value by sample index and count.</summary>
    static IEnumerable<(DateTimeOffset, double)> Instance(DateTimeOffset start, TimeSpan length, Func<int, int, double> value)
    {
        var n = (int)(length / Step);
        return Enumerable.Range(0, n).Select(i => (start + i * Step, value(i, n)));
    }

    static readonly DateTimeOffset Last = new(Crash.Started, TimeSpan.Zero);

    /// <summary>Three 20-minute instances, each growing linearly from 60Mi to 255Mi, the last one the terminated instance.</summary>
    public static string Leak() => Matrix(
        Enumerable.Range(0, 3).Select(k => ($"/kubepods/pod1/c{k}", Instance(Last - (2 - k) * TimeSpan.FromMinutes(21), TimeSpan.FromMinutes(20),
            (i, n) => 60 * Mi + 195 * Mi * i / (n - 1)))).ToArray());

    /// <summary>Three 3-minute instances in one series: 40Mi, then 240-250Mi from the second sample on (a restart drops back to 40Mi).</summary>
    public static string Spike() => Matrix(("/kubepods/pod1",
        Enumerable.Range(0, 3).SelectMany(k => Instance(Last - (2 - k) * TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(3),
            (i, _) => i == 0 ? 40 * Mi : (240 + i % 3 * 5) * Mi)).ToList()));

    static CrashDiagnosis OomKilled(string? workingSet, string? oomEvents = null, TimeSpan? ran = null, Dictionary<string, string>? objects = null)
    {
        var snapshot = new Crash { ExitCode = 137, Reason = "OOMKilled", MemoryLimit = "256Mi", Ran = ran ?? TimeSpan.FromMinutes(20) }.Snapshot();
        var metrics = new Dictionary<string, string>();
        if (workingSet is not null) metrics["memory_working_set"] = workingSet;
        if (oomEvents is not null) metrics["oom_events"] = oomEvents;
        return new CrashClassifier().Classify(snapshot with { Metrics = metrics, Objects = objects ?? [] });
    }

    [Fact]
    public void ALeakShowsThePeakBeforeEachKillItsRateAndSaysALargerLimitOnlyDelaysTheKill()
    {
        var d = OomKilled(Leak());
        var history = Assert.Single(d.Findings, f => f.Kind == "memory-history");
        Assert.Equal("leak", history.Get("growth"));
        Assert.Equal("3", history.Get("kills"));
        Assert.Equal("255Mi, 255Mi, 255Mi", history.Get("peaks"));
        Assert.Equal("255Mi", history.Get("peak"));
        Assert.Equal("10Mi", history.Get("ratePerMinute"));
        Assert.Equal("320Mi", history.Get("proposedLimit"));
        Assert.Equal("peak 255Mi × 1.25 headroom, rounded up to 320Mi", history.Get("rule"));
        Assert.Equal("metrics/memory_working_set", history.Source);
        Assert.Contains("grew steadily from 60Mi to 255Mi", history.Text);

        Assert.Contains(d.Remediation, r => r.Contains("a leak: a larger limit only delays the kill", StringComparison.Ordinal) && r.Contains("at 320Mi, by about 7 min", StringComparison.Ordinal));
        Assert.Contains(d.Remediation, r => r.Contains("from 256Mi to 320Mi (peak 255Mi × 1.25 headroom, rounded up to 320Mi)", StringComparison.Ordinal));
        // The guess it replaces: 256Mi × 1.5.
        Assert.DoesNotContain(d.Remediation, r => r.Contains("384Mi", StringComparison.Ordinal));
    }

    [Fact]
    public void AStartUpSpikeIsNotALeakAndTheLimitComesFromItsPeak()
    {
        var d = OomKilled(Spike(), ran: TimeSpan.FromMinutes(3));
        var history = Assert.Single(d.Findings, f => f.Kind == "memory-history");
        Assert.Equal("spike", history.Get("growth"));
        Assert.Equal("3", history.Get("kills"));
        Assert.Equal("250Mi", history.Get("peak"));
        Assert.Equal("15 s", history.Get("timeToPeak"));
        Assert.Equal("true", history.Get("atLimit"));
        Assert.Equal("peak 250Mi × 1.25 headroom, rounded up to 320Mi", history.Get("rule"));
        Assert.Contains(d.Remediation, r => r.Contains("(a start-up spike, not a leak): raise resources.limits.memory of app from 256Mi to 320Mi", StringComparison.Ordinal));
        Assert.Contains(d.Remediation, r => r.Contains("cut the start-up peak at the limit", StringComparison.Ordinal));
        Assert.DoesNotContain(d.Remediation, r => r.Contains("leak:", StringComparison.Ordinal) || r.Contains("384Mi", StringComparison.Ordinal));
    }

    /// <summary>Three 2-minute instances (8 samples at 15 s), one series each, valued by sample index; the sample at
    /// <paramref name="missing"/> left out (a scrape that timed out: Prometheus marks the series stale there).</summary>
    static string ShortInstances(Func<int, double> value, int? missing = null) => Matrix(
        Enumerable.Range(0, 3).Select(k => ($"/kubepods/pod1/c{k}", Instance(Last - (2 - k) * TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(2),
            (i, _) => value(i)).Where((_, i) => i != missing))).ToArray());

    [Fact]
    public void AStartUpSpikeThatShowsOneSampleLateIsStillASpikeButARiseAndFallIsUneven()
    {
        // The spike as a scrape's timing can show it: the second sample still holds the start value (its scrape began
        // in the step before, or came late), so 90% of the peak shows at the third of 8 samples, 30 s into a life of
        // 105 s: more than a quarter of it in seconds, one sample of jitter in samples.
        var late = OomKilled(ShortInstances(i => i < 2 ? 40 * Mi : (240 + i % 2 * 5) * Mi), ran: TimeSpan.FromMinutes(2));
        var history = Assert.Single(late.Findings, f => f.Kind == "memory-history");
        Assert.Equal("spike", history.Get("growth"));
        Assert.Equal("30 s", history.Get("timeToPeak"));
        Assert.Contains(late.Remediation, r => r.Contains("(a start-up spike, not a leak)", StringComparison.Ordinal));

        // The scrape after the start missed (it timed out on a busy node): the first high sample is the next one,
        // 30 s in by the clock, the second sample there is.
        var missed = Assert.Single(OomKilled(ShortInstances(i => i == 0 ? 40 * Mi : (240 + i % 2 * 5) * Mi, missing: 1), ran: TimeSpan.FromMinutes(2)).Findings,
            f => f.Kind == "memory-history");
        Assert.Equal("spike", missed.Get("growth"));
        Assert.Equal("30 s", missed.Get("timeToPeak"));

        // Up at the fourth sample, then down and up again: no spike at start, and no steady growth either.
        double[] values = [40, 80, 150, 240, 160, 210, 140, 180];
        var uneven = Assert.Single(OomKilled(ShortInstances(i => values[i] * Mi), ran: TimeSpan.FromMinutes(2)).Findings, f => f.Kind == "memory-history");
        Assert.Equal("uneven", uneven.Get("growth"));
        Assert.Contains("rose and fell", uneven.Text);
    }

    [Fact]
    public void TheLastInstanceCountsAsAKillOnlyWhenTheTerminatedInstanceEndedInIt()
    {
        // The terminated instance ended before the last series began: the last one is the running replacement.
        var d = OomKilled(Leak(), ran: TimeSpan.FromSeconds(1));
        var history = Assert.Single(d.Findings, f => f.Kind == "memory-history");
        Assert.Equal("3", history.Get("kills")); // Started is the last series' start: it is the one that ended
        var running = OomKilled(Matrix(("/kubepods/pod1/c9", Instance(Last + TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(5), (i, n) => 100 * Mi))));
        Assert.Equal("0", Assert.Single(running.Findings, f => f.Kind == "memory-history").Get("kills"));
    }

    [Fact]
    public void OomEventsAreCounted()
    {
        var events = Matrix(("/kubepods/pod1", Enumerable.Range(0, 8).Select(i => (Last - TimeSpan.FromMinutes(60) + i * TimeSpan.FromMinutes(9), (double)(i / 2)))));
        var history = Assert.Single(OomKilled(Leak(), events).Findings, f => f.Kind == "memory-history");
        Assert.Equal("3", history.Get("oomEvents"));
    }

    [Theory]
    [InlineData("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}")]
    [InlineData("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{},\"values\":[]}]}}")]
    [InlineData("not json")]
    [InlineData(null)]
    public void NoDataMeansNoHistoryFindingAndTheUsualStep(string? workingSet)
    {
        var d = OomKilled(workingSet);
        Assert.DoesNotContain(d.Findings, f => f.Kind is "memory-history" or "memory-usage");
        Assert.Contains(d.Remediation, r => r.Contains("from 256Mi to 384Mi", StringComparison.Ordinal));
    }

    [Fact]
    public void WithoutHistoryMetricsServersCurrentUsageIsAFindingAndAStep()
    {
        var podMetrics = """{"kind":"PodMetrics","apiVersion":"metrics.k8s.io/v1beta1","metadata":{"name":"api-7d9f","namespace":"shop"},"timestamp":"2026-11-24T20:21:00Z","window":"15s","containers":[{"name":"app","usage":{"cpu":"5m","memory":"204800Ki"}}]}""";
        var d = OomKilled(null, objects: new() { ["PodMetrics.shop.api-7d9f"] = podMetrics });
        var usage = Assert.Single(d.Findings, f => f.Kind == "memory-usage");
        Assert.Equal("200Mi", usage.Get("usage"));
        Assert.Equal("78", usage.Get("usageOfLimit"));
        Assert.Equal("objects/PodMetrics.shop.api-7d9f", usage.Source);
        Assert.Contains(d.Remediation, r => r.StartsWith("It uses 200Mi of 256Mi now (metrics.k8s.io)", StringComparison.Ordinal));
        Assert.Contains(d.Remediation, r => r.Contains("from 256Mi to 384Mi", StringComparison.Ordinal));
    }

    [Fact]
    public void ARuntimeOutOfHeapFarBelowTheLimitPointsAtTheHeapCapNotTheLimit()
    {
        var snapshot = new Crash
        {
            ExitCode = 134, Reason = "Error", MemoryLimit = "1Gi", Ran = TimeSpan.FromMinutes(3),
            Log = "<--- Last few GCs --->\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
        }.Snapshot();
        var d = new CrashClassifier().Classify(snapshot with { Metrics = new Dictionary<string, string> { ["memory_working_set"] = Spike() } });
        Assert.Equal("runtime-out-of-memory", d.Cause);
        var history = Assert.Single(d.Findings, f => f.Kind == "memory-history");
        Assert.Null(history.Get("proposedLimit"));
        Assert.Equal("24", history.Get("peakOfLimit"));
        Assert.Contains(d.Remediation, r => r.Contains("the heap cap, not the container limit, is what ran out", StringComparison.Ordinal));
        Assert.DoesNotContain(d.Remediation, r => r.StartsWith("A concrete larger limit", StringComparison.Ordinal));
    }

    [Fact]
    public void ABundlesMetricsFolderReproducesTheDiagnosis()
    {
        var crash = new Crash { ExitCode = 137, Reason = "OOMKilled", MemoryLimit = "256Mi", Ran = TimeSpan.FromMinutes(20) };
        using var bundle = TempBundle.From(crash);
        Directory.CreateDirectory(Path.Combine(bundle.Path, "metrics"));
        bundle.Write("metrics/memory_working_set.json", Leak());
        var live = new CrashClassifier().Classify(crash.Snapshot() with { Metrics = new Dictionary<string, string> { ["memory_working_set"] = Leak() } });
        var offline = new CrashClassifier().Classify(BundleReader.Read(bundle.Path));
        Assert.Equal(live.Remediation, offline.Remediation);
        Assert.Equal(JsonSerializer.Serialize(live.Findings), JsonSerializer.Serialize(offline.Findings));

        var stdout = new StringWriter();
        Assert.Equal(0, DiagnoseCommand.Run(bundle.Path, null, "json", stdout, new StringWriter()));
        var finding = JsonDocument.Parse(stdout.ToString()).RootElement.GetProperty("findings").EnumerateArray().Single(f => f.GetProperty("kind").GetString() == "memory-history");
        Assert.Equal("320Mi", finding.GetProperty("values").GetProperty("proposedLimit").GetString());
    }

    [Fact]
    public void TheOomSampleBundleShowsAStartUpSpikeCutAtTheLimit()
    {
        var d = new CrashClassifier().Classify(BundleReader.Read(Path.Combine(CorpusCase.RepoRoot(), "tests", "samples", "oom-killed")));
        Assert.Equal("oom-killed", d.Cause);
        var history = Assert.Single(d.Findings, f => f.Kind == "memory-history");
        Assert.Equal(("spike", "10", "256Mi", "true"), (history.Get("growth"), history.Get("kills"), history.Get("peak"), history.Get("atLimit")));
        Assert.Equal("peak 256Mi × 1.25 headroom, rounded up to 320Mi", history.Get("rule"));
    }

    [Fact]
    public void TheMemoryHistoryStageRunsOnlyForOomLikeDiagnoses()
    {
        Assert.True(Webhook.Collect.Prometheus.MemoryHistory.Wants(new Crash { ExitCode = 137, Reason = "OOMKilled" }.Classify()));
        Assert.True(Webhook.Collect.Prometheus.MemoryHistory.Wants(new Crash { ExitCode = 137, Reason = "Error" }.Classify()));
        Assert.False(Webhook.Collect.Prometheus.MemoryHistory.Wants(new Crash { Log = "dial tcp db:5432: connect: connection refused" }.Classify()));
    }

    [Theory]
    [InlineData(255 * Mi, "255Mi")]
    [InlineData(1.5 * 1024 * Mi, "1.5Gi")]
    [InlineData(12.3 * 1024 * Mi, "12Gi")]
    [InlineData(512 * 1024.0, "512Ki")]
    public void SizesAreWrittenAsKubernetesQuantities(double bytes, string text) => Assert.Equal(text, MemoryHistoryFinder.Format(bytes));
}
