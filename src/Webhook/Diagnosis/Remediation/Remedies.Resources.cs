using System.Globalization;

namespace Webhook.Diagnosis;

public static partial class Remedies
{
    static IEnumerable<string> OomKilled(CrashFacts facts, Findings findings)
    {
        if (findings.First(FindingKinds.MemoryHistory) is { } history)
        {
            foreach (var step in FromMemoryHistory(facts, history)) yield return step;
            if (RuntimeHint(facts) is { } runtime) yield return runtime;
            yield break;
        }
        if (findings.First(FindingKinds.MemoryUsage) is { } usage) yield return UsageNow(usage);
        var limit = facts.MemoryLimit();
        var bytes = facts.MemoryLimitBytes();
        if (limit is null || bytes is null)
        {
            yield return $"Container {facts.ContainerName} has no memory limit: it was killed when the node ran short; set resources.requests.memory and resources.limits.memory to its measured peak plus headroom";
        }
        else if (bytes >= facts.Options.LargeMemoryLimitMiB * Mi)
        {
            yield return $"The memory limit is already {limit}: look for a leak before raising it (heap dump or profiler, memory growth per request, unbounded caches/queues)";
            yield return $"If the working set really needs more, raise resources.limits.memory from {limit} to {Suggest(bytes.Value, facts.Options.MemoryIncreaseFactor)}";
        }
        else
        {
            yield return $"Raise resources.limits.memory of {facts.ContainerName} from {limit} to {Suggest(bytes.Value, facts.Options.MemoryIncreaseFactor)} (and requests.memory to match), then watch kubectl top";
            yield return "If usage keeps growing over the container's lifetime, it is a leak: a larger limit only delays the kill";
        }
        if (RuntimeHint(facts) is { } hint) yield return hint;
    }

    static IEnumerable<string> RuntimeOutOfMemory(RuleMatch match, CrashFacts facts, Findings findings)
    {
        var line = match.Detail ?? "";
        var limit = facts.MemoryLimit()?.ToString() ?? "not set";
        if (line.Contains("JavaScript heap", StringComparison.OrdinalIgnoreCase) || line.Contains("heap limit", StringComparison.OrdinalIgnoreCase))
            yield return $"Node's heap is capped below the container limit ({limit}): set NODE_OPTIONS=--max-old-space-size to about 75% of the limit, in MiB";
        else if (line.Contains("java.lang", StringComparison.Ordinal) || line.Contains("GC overhead", StringComparison.Ordinal))
            yield return $"The JVM heap is full: size it from the container limit ({limit}) with -XX:MaxRAMPercentage=75 instead of a fixed -Xmx, or raise both";
        else
            yield return $"The runtime could not allocate memory under the container limit ({limit}): raise the limit or the runtime's heap setting";
        yield return "If memory grows with time or load rather than at startup, take a heap dump and look for a leak";
        if (RuntimeLimitFromHistory(findings) is { } fromHistory)
            yield return fromHistory;
        else if (facts.MemoryLimitBytes() is { } bytes)
            yield return $"A concrete larger limit to try: {Suggest(bytes, facts.Options.MemoryIncreaseFactor)} (from {limit})";
    }

    static string? RuntimeHint(CrashFacts facts)
    {
        var image = facts.Spec?.Image ?? "";
        if (image.Contains("java", StringComparison.OrdinalIgnoreCase) || image.Contains("jdk", StringComparison.OrdinalIgnoreCase) || image.Contains("jre", StringComparison.OrdinalIgnoreCase))
            return "For a JVM, keep heap + metaspace + threads below the limit: -XX:MaxRAMPercentage=75 rather than a fixed -Xmx";
        if (image.Contains("node", StringComparison.OrdinalIgnoreCase))
            return "For Node.js, set --max-old-space-size to about 75% of the limit so the heap stops before the kernel does";
        return null;
    }

    const long Mi = 1024 * 1024;

    /// <summary>A larger limit rounded up to a tidy size: 256Mi → 384Mi, 1Gi → 1536Mi, 6Gi → 9Gi.</summary>
    public static string Suggest(long bytes, double factor)
    {
        var target = (long)Math.Ceiling(bytes * factor / Mi);
        var step = target < 512 ? 32 : target < 1024 ? 64 : 256;
        target = (target + step - 1) / step * step;
        return target % 1024 == 0 ? $"{(target / 1024).ToString(CultureInfo.InvariantCulture)}Gi" : $"{target.ToString(CultureInfo.InvariantCulture)}Mi";
    }
}
