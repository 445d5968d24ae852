using System.Globalization;
using System.Text.Json;
using k8s.Models;
using Webhook.Collect.Prometheus;

namespace Webhook.Diagnosis;

/// <summary>
/// How the container's memory behaved before it was killed, from the Prometheus answers in the snapshot
/// (metrics/memory_working_set, oom_events, memory_limit): the peak before each kill, whether it grew steadily over
/// each instance's life (a leak) or peaked right after start (a start-up spike), and a limit derived from the observed
/// peak with the rule stated. Without history, metrics.k8s.io's current usage (objects/PodMetrics.NS.POD). Pure.
/// </summary>
public sealed class MemoryHistoryFinder : IFinder
{
    /// <summary>The proposed limit is the observed peak times this, rounded up to a tidy size.</summary>
    public const double Headroom = 1.25;

    /// <summary>A sample below this share of the one before is a restart (a new instance starts from its baseline).</summary>
    const double DropRatio = 0.5;

    /// <summary>Fewer samples than this in an instance tell nothing about its growth.</summary>
    const int MinSamples = 4;

    /// <summary>Reaching 90% of the rise within this share of the instance's samples is a spike at start.</summary>
    const double SpikeShare = 0.25;

    /// <summary>
    /// How many samples a value can sit away from where it belongs: a sample is stamped when its scrape started, not
    /// when the exporter read the value, and a late or missed scrape leaves the previous value under the query's next
    /// step, so a rise within the first step can show one sample later. With few samples per instance (a container
    /// killed after a minute or two at a 15 s step, or the test's 8 s instances at 1 s) a quarter of the life is less
    /// than one sample, and that one sample made a start-up spike "uneven" under load.
    /// </summary>
    const int JitterSamples = 1;

    /// <summary>Reaching it only after this share of the samples, rising most of the way, is steady growth.</summary>
    const double LeakShare = 0.6;

    const double Mi = 1024 * 1024;

    public IEnumerable<Finding> Find(CrashFacts facts, RuleMatch match)
    {
        var history = History(facts);
        if (history is not null)
        {
            yield return history;
            yield break;
        }
        if (Usage(facts) is { } usage)
            yield return usage;
    }

    /// <summary>One instance of the container as the working set shows it: its samples from start to end.</summary>
    sealed record Instance(List<MemorySample> Samples)
    {
        public DateTimeOffset Start => Samples[0].At;
        public DateTimeOffset End => Samples[^1].At;
        public MemorySample Peak => Samples.MaxBy(s => s.Value);
    }

    enum Growth { Unknown, Spike, Leak, Uneven }

    static Finding? History(CrashFacts facts)
    {
        if (!facts.Snapshot.Metrics.TryGetValue(MemoryMetrics.WorkingSet, out var json))
            return null;
        var instances = Instances(MemorySeries.Parse(json));
        if (instances.Count == 0)
            return null;
        var step = Step(instances);

        // Kills: every instance followed by another one, the last one when the terminated instance ended inside it,
        // and every instance an OOM event falls into.
        var oomTimes = OomIncrements(facts);
        var killed = new bool[instances.Count];
        for (var i = 0; i < instances.Count - 1; i++) killed[i] = true;
        if (facts.Terminated?.FinishedAt is { } finished && new DateTimeOffset(DateTime.SpecifyKind(finished, DateTimeKind.Utc)) >= instances[^1].Start - step)
            killed[^1] = true;
        foreach (var t in oomTimes)
        {
            var i = instances.FindLastIndex(x => x.Start - step <= t);
            if (i >= 0 && t <= instances[i].End + 2 * step) killed[i] = true;
        }
        var kills = instances.Where((_, i) => killed[i]).ToList();
        var basis = kills.Count > 0 ? kills : [instances.OrderByDescending(x => x.Samples.Count).First()];

        var peak = basis.Max(x => x.Peak.Value);
        if (peak < Mi)
            return null; // no real working set: an empty cgroup or a broken exporter, not a history
        var limit = facts.MemoryLimitBytes() is > 0 and var bytes ? bytes : LastLimit(facts);
        var growths = basis.Select(x => (Instance: x, Growth: Classify(x))).ToList();
        var known = growths.Where(g => g.Growth != Growth.Unknown).ToList();
        var growth = known.Count == 0 ? Growth.Unknown
            : known.GroupBy(g => g.Growth).OrderByDescending(g => g.Count()).ThenByDescending(g => g.Max(x => x.Instance.Start)).First().Key;
        var exemplar = known.LastOrDefault(g => g.Growth == growth).Instance ?? basis[^1];

        var values = new Dictionary<string, string>
        {
            ["peak"] = Format(peak),
            ["peakBytes"] = ((long)peak).ToString(CultureInfo.InvariantCulture),
            ["kills"] = kills.Count.ToString(CultureInfo.InvariantCulture),
            ["peaks"] = string.Join(", ", kills.Select(k => Format(k.Peak.Value))),
            ["growth"] = growth switch { Growth.Leak => "leak", Growth.Spike => "spike", Growth.Uneven => "uneven", _ => "unknown" },
            ["samples"] = instances.Sum(x => x.Samples.Count).ToString(CultureInfo.InvariantCulture),
            ["from"] = instances[0].Start.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["to"] = instances[^1].End.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        };
        if (oomTimes.Count > 0) values["oomEvents"] = oomTimes.Count.ToString(CultureInfo.InvariantCulture);
        if (limit is { } l)
        {
            values["limit"] = Format(l);
            values["peakOfLimit"] = Math.Round(peak / l * 100).ToString(CultureInfo.InvariantCulture);
            if (peak >= 0.95 * l) values["atLimit"] = "true";
        }

        var text = new List<string>();
        text.Add(kills.Count switch
        {
            0 => $"working set peaked at {Format(peak)} with no kill in the samples",
            1 => $"working set peaked at {Format(peak)} before the kill",
            _ => $"working set peaked at {Format(peak)} before {kills.Count} kills ({Peaks(kills)})",
        } + (limit is { } lim ? $" against a limit of {Format(lim)}" : ""));

        var sinceStart = exemplar.Peak.At - exemplar.Start;
        double? leakRate = null;
        if (growth == Growth.Leak)
        {
            var first = exemplar.Samples[0].Value;
            var rate = (exemplar.Peak.Value - first) / Math.Max(sinceStart.TotalMinutes, 1.0 / 60);
            leakRate = rate;
            values["ratePerMinute"] = Format(rate);
            values["timeToPeak"] = Duration(sinceStart);
            text.Add($"it grew steadily from {Format(first)} to {Format(exemplar.Peak.Value)} over {Duration(sinceStart)} (about {Format(rate)}/min): a leak");
        }
        else if (growth == Growth.Spike)
        {
            var rise = RiseTime(exemplar);
            values["timeToPeak"] = Duration(rise);
            text.Add($"it reached 90% of its peak {Duration(rise)} after start and stayed there: a spike at start, not a leak");
        }
        else if (growth == Growth.Uneven)
        {
            text.Add("it rose and fell rather than growing steadily (load-driven)");
        }

        var proposed = Remedies.Suggest((long)Math.Ceiling(peak), Headroom);
        var proposedBytes = new ResourceQuantity(proposed).ToInt64();
        if (limit is null || proposedBytes > limit)
        {
            values["proposedLimit"] = proposed;
            values["rule"] = $"peak {Format(peak)} × {Headroom.ToString(CultureInfo.InvariantCulture)} headroom, rounded up to {proposed}";
            if (leakRate is > 0 and var r)
                values["delay"] = Duration(TimeSpan.FromMinutes((proposedBytes - peak) / r));
            text.Add($"proposed limit {values["rule"]}");
        }
        else if (limit is { } below && peak < 0.8 * below)
        {
            text.Add($"it never came near the limit ({values["peakOfLimit"]}%) in the samples");
        }

        return new Finding(FindingKinds.MemoryHistory, "Memory history: " + string.Join("; ", text), $"metrics/{MemoryMetrics.WorkingSet}") { Values = values };
    }

    /// <summary>"each 256Mi", "248Mi to 256Mi" for many kills, else the list.</summary>
    static string Peaks(List<Instance> kills)
    {
        var peaks = kills.Select(k => Format(k.Peak.Value)).ToList();
        if (peaks.Distinct().Count() == 1) return $"each {peaks[0]}";
        if (peaks.Count > 4) return $"{Format(kills.Min(k => k.Peak.Value))} to {Format(kills.Max(k => k.Peak.Value))}";
        return string.Join(", ", peaks);
    }

    /// <summary>The instances in time order: each series split where the value drops to a fresh baseline; overlapping duplicates merged.</summary>
    static List<Instance> Instances(IReadOnlyList<MemorySeries> series)
    {
        var runs = new List<Instance>();
        foreach (var s in series)
        {
            var current = new List<MemorySample>();
            foreach (var sample in s.Samples)
            {
                if (current.Count > 0 && sample.Value < current[^1].Value * DropRatio && current[^1].Value - sample.Value >= Mi)
                {
                    runs.Add(new Instance(current));
                    current = [];
                }
                current.Add(sample);
            }
            if (current.Count > 0) runs.Add(new Instance(current));
        }
        var merged = new List<Instance>();
        foreach (var run in runs.OrderBy(r => r.Start))
        {
            if (merged.Count > 0 && run.Start <= merged[^1].End)
            {
                // The same instance seen twice (two scrape jobs): keep the larger value at each time.
                var union = merged[^1].Samples.Concat(run.Samples).GroupBy(x => x.At).Select(g => g.MaxBy(x => x.Value)).OrderBy(x => x.At).ToList();
                merged[^1] = new Instance(union);
            }
            else
            {
                merged.Add(run);
            }
        }
        return merged;
    }

    /// <summary>The median distance between samples: the query's step.</summary>
    static TimeSpan Step(List<Instance> instances)
    {
        var gaps = instances.SelectMany(x => x.Samples.Zip(x.Samples.Skip(1), (a, b) => b.At - a.At)).Where(g => g > TimeSpan.Zero).OrderBy(g => g).ToList();
        return gaps.Count == 0 ? TimeSpan.FromSeconds(15) : gaps[gaps.Count / 2];
    }

    static Growth Classify(Instance x)
    {
        if (x.Samples.Count < MinSamples || x.End <= x.Start)
            return Growth.Unknown;
        // Positions in samples, not seconds: the query's samples are its steps, and the jitter is one of them.
        var last = x.Samples.Count - 1;
        var rise = RiseIndex(x);
        var peak = x.Peak;
        var first = x.Samples[0].Value;
        if (first >= 0.9 * peak.Value || rise <= SpikeShare * last + JitterSamples)
            return Growth.Spike;
        var share = rise / (double)last;
        var upTo = x.Samples.TakeWhile(s => s.At <= peak.At).ToList();
        var steps = upTo.Zip(upTo.Skip(1), (a, b) => b.Value - a.Value).ToList();
        var rising = steps.Count == 0 ? 0 : steps.Count(d => d >= 0) / (double)steps.Count;
        return share >= LeakShare && rising >= 0.7 && peak.Value - first >= 0.25 * peak.Value ? Growth.Leak : Growth.Uneven;
    }

    /// <summary>From start until the working set first covers 90% of its rise from the first sample to the peak.</summary>
    static TimeSpan RiseTime(Instance x) => x.Samples[RiseIndex(x)].At - x.Start;

    /// <summary>The first sample that covers 90% of the rise from the first sample to the peak.</summary>
    static int RiseIndex(Instance x)
    {
        var first = x.Samples[0].Value;
        var threshold = first + 0.9 * (x.Peak.Value - first);
        return x.Samples.FindIndex(s => s.Value >= threshold);
    }

    /// <summary>When container_oom_events_total went up (a series that appears already above 0 counts its value).</summary>
    static List<DateTimeOffset> OomIncrements(CrashFacts facts)
    {
        var times = new List<DateTimeOffset>();
        if (!facts.Snapshot.Metrics.TryGetValue(MemoryMetrics.OomEvents, out var json))
            return times;
        foreach (var s in MemorySeries.Parse(json))
            for (var i = 1; i < s.Samples.Count; i++)
                if (s.Samples[i].Value > s.Samples[i - 1].Value)
                    times.Add(s.Samples[i].At);
        return times;
    }

    static double? LastLimit(CrashFacts facts) =>
        facts.Snapshot.Metrics.TryGetValue(MemoryMetrics.Limit, out var json)
        && MemorySeries.Parse(json).SelectMany(s => s.Samples).OrderBy(s => s.At).LastOrDefault() is { Value: > 0 } last
            ? last.Value : null;

    /// <summary>metrics-server's current usage of the container, when that is all there is.</summary>
    static Finding? Usage(CrashFacts facts)
    {
        if (!facts.Snapshot.Objects.TryGetValue(MemoryMetrics.PodMetricsKey(facts.Namespace, facts.PodName), out var json) || facts.ContainerName is not { } name)
            return null;
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (!doc.RootElement.TryGetProperty("containers", out var containers) || containers.ValueKind != JsonValueKind.Array)
                return null;
            foreach (var c in containers.EnumerateArray())
            {
                if (!c.TryGetProperty("name", out var n) || n.GetString() != name) continue;
                if (!c.TryGetProperty("usage", out var usage) || !usage.TryGetProperty("memory", out var memory) || memory.GetString() is not { } quantity) return null;
                var bytes = (double)new ResourceQuantity(quantity).ToInt64();
                var limit = facts.MemoryLimitBytes() is > 0 and var limitBytes ? (double?)limitBytes : null;
                var values = new Dictionary<string, string> { ["usage"] = Format(bytes), ["usageBytes"] = ((long)bytes).ToString(CultureInfo.InvariantCulture) };
                if (doc.RootElement.TryGetProperty("timestamp", out var ts) && ts.ValueKind == JsonValueKind.String) values["at"] = ts.GetString()!;
                var text = $"{name} uses {Format(bytes)} now (metrics.k8s.io; no history)";
                if (limit is { } l)
                {
                    values["limit"] = Format(l);
                    values["usageOfLimit"] = Math.Round(bytes / l * 100).ToString(CultureInfo.InvariantCulture);
                    text = $"{name} uses {Format(bytes)} of its {Format(l)} limit now ({values["usageOfLimit"]}%; metrics.k8s.io, no history)";
                }
                return new Finding(FindingKinds.MemoryUsage, text, $"objects/{MemoryMetrics.PodMetricsKey(facts.Namespace, facts.PodName)}") { Values = values };
            }
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or OverflowException)
        {
        }
        return null;
    }

    /// <summary>243Mi, 1.5Gi, 12Gi, 512Ki.</summary>
    public static string Format(double bytes)
    {
        if (bytes >= 1024 * Mi)
        {
            var gi = bytes / (1024 * Mi);
            return (gi >= 10 ? Math.Round(gi).ToString(CultureInfo.InvariantCulture) : Math.Round(gi, 1).ToString("0.#", CultureInfo.InvariantCulture)) + "Gi";
        }
        if (bytes >= Mi)
            return Math.Round(bytes / Mi).ToString(CultureInfo.InvariantCulture) + "Mi";
        return Math.Max(0, Math.Round(bytes / 1024)).ToString(CultureInfo.InvariantCulture) + "Ki";
    }

    static string Duration(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{t.TotalHours:0.#} h" : t.TotalMinutes >= 1 ? $"{Math.Round(t.TotalMinutes):0} min" : $"{Math.Max(0, Math.Round(t.TotalSeconds)):0} s";
}
