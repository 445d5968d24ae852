using System.Text.RegularExpressions;
using k8s.Models;

namespace Webhook.Diagnosis;

/// <summary>
/// Reads the kubelet's CreateContainerConfigError messages ("secret \"x\" not found", "couldn't find key K in
/// ConfigMap ns/x") and finds where the pod spec refers to that object.
/// </summary>
public static partial class ConfigRefs
{
    public sealed record Missing(string Kind, string Name, string? Key);

    public static Missing? Parse(string? message)
    {
        if (message is null) return null;
        var m = NotFound().Match(message);
        if (m.Success) return new(m.Groups["kind"].Value.ToLowerInvariant(), m.Groups["name"].Value, null);
        m = KeyNotFound().Match(message);
        return m.Success ? new(m.Groups["kind"].Value.ToLowerInvariant(), m.Groups["name"].Value, m.Groups["key"].Value) : null;
    }

    /// <summary>Where the container (and the pod's volumes) refer to the object: "env DB_PASSWORD", "envFrom", "volume creds".</summary>
    public static IReadOnlyList<string> UsesOf(Missing missing, V1Container? container, V1PodSpec? pod)
    {
        var isSecret = missing.Kind == "secret";
        var uses = new List<string>();
        foreach (var env in container?.Env ?? [])
        {
            var name = isSecret ? env.ValueFrom?.SecretKeyRef?.Name : env.ValueFrom?.ConfigMapKeyRef?.Name;
            var key = isSecret ? env.ValueFrom?.SecretKeyRef?.Key : env.ValueFrom?.ConfigMapKeyRef?.Key;
            if (name == missing.Name) uses.Add($"env {env.Name} (key {key})");
        }
        foreach (var from in container?.EnvFrom ?? [])
            if ((isSecret ? from.SecretRef?.Name : from.ConfigMapRef?.Name) == missing.Name) uses.Add("envFrom");
        foreach (var volume in pod?.Volumes ?? [])
            if ((isSecret ? volume.Secret?.SecretName : volume.ConfigMap?.Name) == missing.Name) uses.Add($"volume {volume.Name}");
        return uses;
    }

    [GeneratedRegex(@"(?<kind>configmap|secret) ""(?<name>[^""]+)"" not found", RegexOptions.IgnoreCase)]
    private static partial Regex NotFound();

    [GeneratedRegex(@"couldn't find key (?<key>\S+) in (?<kind>ConfigMap|Secret) (?:[\w-]+/)?(?<name>[\w.-]+)", RegexOptions.IgnoreCase)]
    private static partial Regex KeyNotFound();
}
