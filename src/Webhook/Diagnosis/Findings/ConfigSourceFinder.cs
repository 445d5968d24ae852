using System.Globalization;
using System.Text.Json.Nodes;

namespace Webhook.Diagnosis;

/// <summary>
/// The ConfigMaps the container reads (env, envFrom, volumes), from the answers: does each exist, which keys it
/// holds (names only: values never reach a snapshot), which referenced key is missing, and whether it was written
/// after the pod started (managedFields time) and which keys that write touched. Secrets are named, never read.
/// </summary>
public sealed class ConfigSourceFinder : IFinder
{
    const int MaxKeysShown = 12;

    public IEnumerable<Finding> Find(CrashFacts facts, RuleMatch match)
    {
        var answers = Answers.Of(facts.Snapshot);
        if (!answers.Any) yield break;
        var uses = ConfigSources.Of(facts.Spec, facts.Snapshot.Pod?.Spec);
        var ns = facts.Namespace;
        foreach (var group in uses.Where(u => u.Kind == "ConfigMap").GroupBy(u => u.Name))
        {
            var name = group.Key;
            var how = string.Join(", ", group.Select(u => u.How).Distinct());
            var values = new Dictionary<string, string> { ["name"] = name, ["uses"] = how };
            if (answers.IsNotFound("ConfigMap", ns, name))
            {
                values["exists"] = "false";
                yield return new Finding(FindingKinds.ConfigSource, $"ConfigMap {name} ({how}) does not exist in namespace {ns}", $"objects/ConfigMap.{ns}.{name}") { Values = values };
                continue;
            }
            if (answers.Get("ConfigMap", ns, name) is not { } cm) continue;
            values["exists"] = "true";
            var keys = Keys(cm);
            values["keys"] = string.Join(",", keys);
            var text = $"ConfigMap {name} ({how}) has {(keys.Count == 0 ? "no keys" : $"key{(keys.Count == 1 ? "" : "s")} {Shown(keys)}")}";
            var missing = group.Where(u => u.Key is not null && !u.Optional && !keys.Contains(u.Key)).Select(u => (u.Key!, u.How)).Distinct().ToList();
            if (missing.Count > 0)
            {
                values["missing"] = string.Join(",", missing.Select(m => m.Item1));
                values["missingUse"] = missing[0].How;
                text += $"; {string.Join(", ", missing.Select(m => $"key {m.Item1} ({m.How})"))} {(missing.Count == 1 ? "is" : "are")} missing";
            }
            if (LastWrite(cm) is { } write && facts.Snapshot.Pod?.Status?.StartTime is { } started && write.Time > Utc(started))
            {
                values["changedAt"] = Stamp(write.Time);
                values["podStartedAt"] = Stamp(Utc(started));
                if (write.Keys.Count > 0) values["changedKeys"] = string.Join(",", write.Keys);
                text += $"; written at {Stamp(write.Time)} by {write.Manager}, after the pod started ({Stamp(Utc(started))})"
                    + (write.Keys.Count > 0 ? $", touching {Shown(write.Keys)}" : "");
            }
            yield return new Finding(FindingKinds.ConfigSource, text, $"objects/ConfigMap.{ns}.{name}") { Values = values };
        }
        foreach (var group in uses.Where(u => u.Kind == "Secret").GroupBy(u => u.Name))
            yield return new Finding(FindingKinds.SecretSource,
                $"{string.Join(", ", group.Select(u => u.Key is null ? u.How : $"{u.How} (key {u.Key})").Distinct())} from Secret {group.Key} (not read)", "pod.spec")
            {
                Values = new Dictionary<string, string>
                {
                    ["name"] = group.Key, ["uses"] = string.Join(", ", group.Select(u => u.How).Distinct()),
                    ["keys"] = string.Join(",", group.Select(u => u.Key).OfType<string>().Distinct()),
                },
            };
    }

    static List<string> Keys(JsonObject cm) =>
        (cm["data"] as JsonObject ?? []).Select(p => p.Key).Concat((cm["binaryData"] as JsonObject ?? []).Select(p => p.Key))
            .Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>The latest managedFields entry: when, by whom, and the data keys it owns (f:data → f:KEY).</summary>
    static (DateTimeOffset Time, string Manager, List<string> Keys)? LastWrite(JsonObject cm)
    {
        (DateTimeOffset, string, List<string>)? last = null;
        foreach (var entry in (cm["metadata"]?["managedFields"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (!DateTimeOffset.TryParse(Answers.Str(entry["time"]), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)) continue;
            if (last is { } l && l.Item1 >= time) continue;
            var fields = entry["fieldsV1"] as JsonObject;
            var keys = new[] { "f:data", "f:binaryData" }.SelectMany(k => fields?[k] as JsonObject ?? [])
                .Select(p => p.Key).Where(k => k.StartsWith("f:", StringComparison.Ordinal)).Select(k => k[2..]).Order(StringComparer.Ordinal).ToList();
            last = (time, Answers.Str(entry["manager"]) ?? "an unnamed manager", keys);
        }
        return last;
    }

    static string Shown(IReadOnlyList<string> keys) =>
        string.Join(", ", keys.Take(MaxKeysShown)) + (keys.Count > MaxKeysShown ? $" (+{keys.Count - MaxKeysShown} more)" : "");

    static DateTimeOffset Utc(DateTime t) => new(DateTime.SpecifyKind(t, DateTimeKind.Utc));

    static string Stamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
