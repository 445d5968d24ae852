using k8s.Models;

namespace Webhook.Collect;

/// <summary>
/// Removes what may hold credentials before a pod leaves the collector: literal env values down to the addresses
/// they name (<see cref="EnvRedaction"/>; names and valueFrom references stay, they are evidence) and kubectl's
/// last-applied annotation, which repeats them.
/// </summary>
public static class PodRedaction
{
    public const string Redacted = EnvRedaction.Redacted;
    const string LastApplied = "kubectl.kubernetes.io/last-applied-configuration";

    public static void Redact(V1Pod pod)
    {
        RedactMetadata(pod.Metadata);
        RedactSpec(pod.Spec);
    }

    public static void RedactTemplate(V1ObjectMeta? owner, V1PodTemplateSpec? template)
    {
        RedactMetadata(owner);
        RedactMetadata(template?.Metadata);
        RedactSpec(template?.Spec);
    }

    static void RedactMetadata(V1ObjectMeta? meta) => meta?.Annotations?.Remove(LastApplied);

    static void RedactSpec(V1PodSpec? spec)
    {
        if (spec is null)
            return;
        IEnumerable<IList<V1EnvVar>?> envs = [
            .. (spec.Containers ?? []).Select(c => c.Env),
            .. (spec.InitContainers ?? []).Select(c => c.Env),
            .. (spec.EphemeralContainers ?? []).Select(c => c.Env)];
        foreach (var env in envs)
            foreach (var e in env ?? [])
                e.Value = EnvRedaction.Redact(e.Name, e.Value, e.ValueFrom is not null);
    }
}
