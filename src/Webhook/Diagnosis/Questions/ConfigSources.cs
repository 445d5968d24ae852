using k8s.Models;

namespace Webhook.Diagnosis;

/// <summary>Where a container's configuration comes from: the ConfigMaps and Secrets its env, envFrom and volumes name.</summary>
public static class ConfigSources
{
    /// <summary>One reference: "ConfigMap" or "Secret", the object, the key (env) and how it is used ("env DB_URL", "envFrom", "volume config").</summary>
    public sealed record Use(string Kind, string Name, string? Key, string How, bool Optional);

    public static IReadOnlyList<Use> Of(V1Container? container, V1PodSpec? pod)
    {
        var uses = new List<Use>();
        foreach (var e in container?.Env ?? [])
        {
            if (e.ValueFrom?.ConfigMapKeyRef is { Name: { } cm } c) uses.Add(new("ConfigMap", cm, c.Key, $"env {e.Name}", c.Optional == true));
            if (e.ValueFrom?.SecretKeyRef is { Name: { } sn } s) uses.Add(new("Secret", sn, s.Key, $"env {e.Name}", s.Optional == true));
        }
        foreach (var from in container?.EnvFrom ?? [])
        {
            if (from.ConfigMapRef is { Name: { } cm } c) uses.Add(new("ConfigMap", cm, null, "envFrom", c.Optional == true));
            if (from.SecretRef is { Name: { } sn } s) uses.Add(new("Secret", sn, null, "envFrom", s.Optional == true));
        }
        var mounted = (container?.VolumeMounts ?? []).Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var v in (pod?.Volumes ?? []).Where(v => mounted.Contains(v.Name)))
        {
            if (v.ConfigMap is { Name: { } cm } c)
            {
                uses.Add(new("ConfigMap", cm, null, $"volume {v.Name}", c.Optional == true));
                // Keys the volume projects by name: a missing one fails the mount.
                foreach (var item in c.Items ?? [])
                    uses.Add(new("ConfigMap", cm, item.Key, $"volume {v.Name} item {item.Path}", c.Optional == true));
            }
            if (v.Secret is { SecretName: { } sn } s) uses.Add(new("Secret", sn, null, $"volume {v.Name}", s.Optional == true));
            foreach (var p in v.Projected?.Sources ?? [])
            {
                if (p.ConfigMap is { Name: { } pcm } pc) uses.Add(new("ConfigMap", pcm, null, $"volume {v.Name}", pc.Optional == true));
                if (p.Secret is { Name: { } psn } ps) uses.Add(new("Secret", psn, null, $"volume {v.Name}", ps.Optional == true));
            }
        }
        return uses;
    }
}
