using System.Text.Json.Nodes;

namespace Webhook.Diagnosis;

/// <summary>The node's platform, from its labels and nodeInfo: architecture, OS, kernel, instance type, CPU features (NFD labels).</summary>
public sealed class NodeFinder : IFinder
{
    const string CpuIdPrefix = "feature.node.kubernetes.io/cpu-cpuid.";

    public IEnumerable<Finding> Find(CrashFacts facts, RuleMatch match)
    {
        if (facts.Snapshot.Pod?.Spec?.NodeName is not { } name || Answers.Of(facts.Snapshot).Get("Node", null, name) is not { } node) yield break;
        var labels = node["metadata"]?["labels"] as JsonObject ?? [];
        var info = node["status"]?["nodeInfo"];
        string? Label(params string[] keys) => keys.Select(k => Answers.Str(labels[k])).FirstOrDefault(v => v is not null);
        var values = new Dictionary<string, string> { ["node"] = name };
        void Put(string key, string? value) { if (!string.IsNullOrEmpty(value)) values[key] = value; }
        Put("arch", Label("kubernetes.io/arch", "beta.kubernetes.io/arch") ?? Answers.Str(info?["architecture"]));
        Put("os", Label("kubernetes.io/os", "beta.kubernetes.io/os") ?? Answers.Str(info?["operatingSystem"]));
        Put("osImage", Answers.Str(info?["osImage"]));
        Put("kernel", Answers.Str(info?["kernelVersion"]));
        Put("instanceType", Label("node.kubernetes.io/instance-type", "beta.kubernetes.io/instance-type"));
        var features = labels.Where(l => l.Key.StartsWith(CpuIdPrefix, StringComparison.Ordinal) && Answers.Str(l.Value) == "true")
            .Select(l => l.Key[CpuIdPrefix.Length..]).Order(StringComparer.Ordinal).ToList();
        if (features.Count > 0) values["cpuFeatures"] = string.Join(",", features);
        var parts = new[] { values.GetValueOrDefault("arch"), values.GetValueOrDefault("os"),
            values.TryGetValue("kernel", out var k) ? $"kernel {k}" : null,
            values.TryGetValue("instanceType", out var t) ? $"instance type {t}" : null,
            features.Count > 0 ? $"CPU features {string.Join(" ", features.Take(16))}{(features.Count > 16 ? " …" : "")}" : null }
            .OfType<string>().ToList();
        if (parts.Count == 0) yield break;
        yield return new Finding(FindingKinds.NodePlatform, $"node {name}: {string.Join(", ", parts)}", $"objects/Node.{name}") { Values = values };
    }
}
