using k8s.Models;

namespace Webhook.Collect;

/// <summary>
/// Removes what may hold credentials before a pod leaves the collector: literal env values down to the addresses
/// they name (<see cref="EnvRedaction"/>; names and valueFrom references stay, they are evidence), credentials on
/// the command line (<see cref="ArgRedaction"/>) and kubectl's last-applied annotation, which repeats them.
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
        foreach (var c in spec.Containers ?? [])
            (c.Command, c.Args) = Redact(c.Env, c.Command, c.Args);
        foreach (var c in spec.InitContainers ?? [])
            (c.Command, c.Args) = Redact(c.Env, c.Command, c.Args);
        foreach (var c in spec.EphemeralContainers ?? [])
            (c.Command, c.Args) = Redact(c.Env, c.Command, c.Args);
    }

    static (IList<string>? Command, IList<string>? Args) Redact(IList<V1EnvVar>? env, IList<string>? command, IList<string>? args)
    {
        foreach (var e in env ?? [])
            e.Value = EnvRedaction.Redact(e.Name, e.Value, e.ValueFrom is not null);
        return (ArgRedaction.Redact(command), ArgRedaction.Redact(args));
    }
}
