using k8s.Models;

namespace Webhook.Diagnosis;

/// <summary>Spec lookups the rules and remediation share.</summary>
public static class PodSpecFacts
{
    public static ResourceQuantity? MemoryLimit(this CrashFacts facts) =>
        facts.Spec?.Resources?.Limits is { } limits && limits.TryGetValue("memory", out var q) ? q : null;

    public static ResourceQuantity? MemoryRequest(this CrashFacts facts) =>
        facts.Spec?.Resources?.Requests is { } requests && requests.TryGetValue("memory", out var q) ? q : null;

    public static long? MemoryLimitBytes(this CrashFacts facts)
    {
        try { return facts.MemoryLimit()?.ToInt64(); }
        catch (Exception e) when (e is OverflowException or FormatException) { return null; }
    }

    /// <summary>The command line that ran, as the spec states it (empty when the image's default is used).</summary>
    public static string CommandLine(this CrashFacts facts)
    {
        var parts = (facts.Spec?.Command ?? []).Concat(facts.Spec?.Args ?? []).ToList();
        return parts.Count == 0 ? "" : string.Join(' ', parts.Select(p => p.Contains(' ') ? $"\"{p}\"" : p));
    }

    public static V1SecurityContext? SecurityContext(this CrashFacts facts) => facts.Spec?.SecurityContext;

    public static V1PodSecurityContext? PodSecurityContext(this CrashFacts facts) => facts.Snapshot.Pod?.Spec?.SecurityContext;
}
