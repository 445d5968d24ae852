namespace Webhook.Diagnosis;

/// <summary>Steps written from the container's memory history (Prometheus) or current usage (metrics.k8s.io).</summary>
public static partial class Remedies
{
    /// <summary>The OOM steps when the history shows the peak and how it grew; they replace the "current limit × 1.5" guess.</summary>
    static IEnumerable<string> FromMemoryHistory(CrashFacts facts, Finding history)
    {
        var container = facts.ContainerName;
        var limit = history.Get("limit");
        var proposed = history.Get("proposedLimit");
        var rule = history.Get("rule");
        var raise = proposed is null ? null
            : limit is null ? $"set resources.limits.memory of {container} to {proposed} ({rule})"
            : $"raise resources.limits.memory of {container} from {limit} to {proposed} ({rule})";
        switch (history.Get("growth"))
        {
            case "leak":
                yield return $"Memory grew steadily until each kill (about {history.Get("ratePerMinute")}/min, peak {history.Get("peak")}): a leak: a larger limit only delays the kill"
                    + (history.Get("delay") is { } delay && proposed is not null ? $" (at {proposed}, by about {delay})" : "")
                    + ". Find what grows: a heap dump or allocation profile of the running instance before it reaches the limit, memory per request, unbounded caches or queues";
                if (raise is not null)
                    yield return $"Only to space out the kills while the leak is fixed, {raise}";
                break;
            case "spike":
                if (raise is not null)
                    yield return $"Memory peaks {history.Get("timeToPeak")} after start and does not keep growing (a start-up spike, not a leak): {raise}, and requests.memory to match";
                if (history.Get("atLimit") == "true")
                    yield return $"The kill cut the start-up peak at the limit, so the need may be above {history.Get("peak")}: check the peak after raising (kubectl top pod {facts.PodName} -n {facts.Namespace} --containers)";
                break;
            default:
                if (raise is not null)
                    yield return $"{char.ToUpperInvariant(raise[0])}{raise[1..]}, and requests.memory to match, then watch kubectl top";
                yield return "If usage keeps growing over the container's lifetime, it is a leak: a larger limit only delays the kill";
                break;
        }
        if (proposed is null && limit is not null && history.Get("atLimit") != "true")
            yield return $"The working set peaked at {history.Get("peak")} ({history.Get("peakOfLimit")}% of the {limit} limit) in the samples: a burst shorter than the scrape interval, a child process, or node memory pressure; check kubectl describe node {facts.Snapshot.Node?.Name ?? facts.Snapshot.Pod?.Spec?.NodeName ?? "NODE"} and the kernel log (dmesg) for the OOM kill";
    }

    /// <summary>What metrics-server says the container uses now, when there is no history.</summary>
    static string UsageNow(Finding usage) =>
        $"It uses {usage.Get("usage")}{(usage.Get("limit") is { } l ? $" of {l}" : "")} now (metrics.k8s.io); with Prometheus:Url set, the next alert shows how memory grew before each kill";

    /// <summary>For a runtime out of heap: the observed peak instead of a guess.</summary>
    static string? RuntimeLimitFromHistory(Findings findings)
    {
        if (findings.First(FindingKinds.MemoryHistory) is not { } history)
            return null;
        if (history.Get("growth") == "leak")
            return $"Memory grew steadily (about {history.Get("ratePerMinute")}/min, peak {history.Get("peak")}): a leak: a larger heap or limit only delays the crash; take a heap dump before it fills";
        return history.Get("proposedLimit") is { } proposed
            ? $"A limit from the observed peak: {proposed} ({history.Get("rule")}), with the runtime's heap cap at about 75% of it"
            : $"The working set peaked at {history.Get("peak")} ({history.Get("peakOfLimit")}% of the {history.Get("limit")} limit): the heap cap, not the container limit, is what ran out; raise the heap setting toward 75% of the limit";
    }
}
