using System.Globalization;
using System.Text.RegularExpressions;

namespace Webhook.Diagnosis;

/// <summary>
/// For an OOM kill or a runtime's out-of-memory error: the container's memory limit (and the rollout that
/// changed it, from the workload's template changes), and every heap cap the spec sets, against that limit.
/// </summary>
public sealed partial class MemoryFinder : IFinder
{
    public IEnumerable<Finding> Find(CrashFacts facts, RuleMatch match)
    {
        if (match.Cause is not (Causes.OomKilled or Causes.RuntimeOutOfMemory))
            yield break;
        var limit = facts.MemoryLimit();
        var bytes = facts.MemoryLimitBytes();
        var request = facts.MemoryRequest()?.ToString();

        if (limit is null || bytes is null)
        {
            yield return new Finding(FindingKinds.MemoryLimit,
                $"{facts.ContainerName} has no memory limit" + (request is null ? "" : $" (requests.memory {request})"), "pod.spec")
            {
                Values = Values(("limit", "none"), ("request", request)),
            };
        }
        else
        {
            var change = LimitChange(facts);
            var text = $"limit {limit}" + (change is null ? ""
                : $"; {change.Workload}{(change.Revision is null ? "" : $" revision {change.Revision}")} {(change.Previous == "none" ? "added it" : $"{(change.Lowered ? "lowered" : "changed")} it from {change.Previous}")}");
            yield return new Finding(FindingKinds.MemoryLimit, text, change is null ? "pod.spec" : "workload")
            {
                Values = Values(("limit", limit.ToString()), ("limitBytes", bytes.Value.ToString(CultureInfo.InvariantCulture)), ("request", request),
                    ("previous", change?.Previous), ("lowered", change is null ? null : change.Lowered ? "true" : "false"),
                    ("revision", change?.Revision), ("previousRevision", change?.PreviousRevision), ("workload", change?.Workload)),
            };
        }

        var caps = HeapSettings.Of(facts.Spec);
        var binding = caps.Select(c => c.Runtime).Distinct().Select(r => HeapSettings.Binding(caps, r)).ToHashSet();
        foreach (var cap in caps)
        {
            var heap = cap.HeapBytes(bytes);
            var share = heap is { } h && bytes is { } l && l > 0 ? $" ({Math.Round(100.0 * h / l).ToString(CultureInfo.InvariantCulture)}% of the {limit} limit)" : "";
            var text = !cap.Known ? $"{cap.Runtime} heap setting {cap.Variable} comes from {cap.Source}: its value is not in the spec"
                : cap.Percent is { } p && bytes is null ? $"{cap.Runtime} heap sized as {p.ToString(CultureInfo.InvariantCulture)}% of the memory it sees by {cap.Setting} in {cap.Source}; with no container limit that is the node's RAM"
                : $"{cap.Runtime} heap capped at {(heap is not { } hb ? "?" : cap.Runtime == "jvm" ? HeapSettings.JvmText(hb) : HeapSettings.QuantityText(hb))} by {cap.Setting}{(cap.Setting.StartsWith(cap.Variable + "=", StringComparison.Ordinal) ? " (env)" : $" in {cap.Source}")}{share}";
            yield return new Finding(FindingKinds.HeapCap, text, "pod.spec")
            {
                Values = Values(("runtime", cap.Runtime), ("setting", cap.Setting), ("variable", cap.Variable), ("source", cap.Source),
                    ("heapBytes", heap?.ToString(CultureInfo.InvariantCulture)), ("percent", cap.Percent?.ToString(CultureInfo.InvariantCulture)),
                    ("known", cap.Known ? "true" : "false"), ("binding", binding.Contains(cap) ? "true" : "false"),
                    ("targetShare", cap.TargetShare.ToString(CultureInfo.InvariantCulture)),
                    ("envIndex", cap.EnvIndex >= 0 ? cap.EnvIndex.ToString(CultureInfo.InvariantCulture) : null),
                    ("argIndex", cap.ArgIndex >= 0 ? cap.ArgIndex.ToString(CultureInfo.InvariantCulture) : null),
                    ("value", cap.Known && HeapSettings.OnlyMemoryFlags(cap.WholeValue) ? cap.WholeValue : null)),
            };
        }
    }

    public sealed record Change(string Workload, string? Revision, string? PreviousRevision, string Previous, string Current, bool Lowered);

    /// <summary>The workload's template changed this container's memory limit ("app: memory limit 512Mi → 256Mi").</summary>
    public static Change? LimitChange(CrashFacts facts)
    {
        if (facts.Snapshot.Workload is not { } w || facts.ContainerName is null) return null;
        foreach (var text in w.Changes)
        {
            var m = LimitChangeText().Match(text);
            if (!m.Success || m.Groups["c"].Value != facts.ContainerName) continue;
            var previous = m.Groups["old"].Value;
            var current = m.Groups["new"].Value;
            var lowered = Bytes(previous) is { } o && Bytes(current) is { } n && n < o;
            return new Change($"{w.Kind} {w.Name}", w.Revision, w.PreviousRevision, previous, current, lowered);
        }
        return null;
    }

    static long? Bytes(string quantity)
    {
        try { return quantity == "none" ? null : new k8s.Models.ResourceQuantity(quantity).ToInt64(); }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException) { return null; }
    }

    static Dictionary<string, string> Values(params (string Key, string? Value)[] pairs) =>
        pairs.Where(p => !string.IsNullOrEmpty(p.Value)).ToDictionary(p => p.Key, p => p.Value!);

    [GeneratedRegex(@"^(?<c>[^:]+): memory limit (?<old>\S+) → (?<new>\S+)$")]
    private static partial Regex LimitChangeText();
}
