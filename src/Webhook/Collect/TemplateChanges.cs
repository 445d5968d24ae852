using k8s.Models;

namespace Webhook.Collect;

/// <summary>
/// What changed between two pod templates, in words a person on call reads at a glance:
/// images, command/args, env var names and references, envFrom and resources. Literal env values
/// are never shown, only that they changed, because they may hold credentials.
/// </summary>
public static class TemplateChanges
{
    public static IReadOnlyList<string> Between(V1PodTemplateSpec? before, V1PodTemplateSpec? after)
    {
        var old = Containers(before);
        var now = Containers(after);
        var changes = new List<string>();
        foreach (var (name, c) in now)
        {
            if (!old.TryGetValue(name, out var o))
            {
                changes.Add($"container {name} added (image {c.Image})");
                continue;
            }
            if (o.Image != c.Image)
                changes.Add($"{name}: image {o.Image} → {c.Image}");
            if (Words(o.Command) != Words(c.Command))
                changes.Add($"{name}: command {Words(o.Command)} → {Words(c.Command)}");
            if (Words(o.Args) != Words(c.Args))
                changes.Add($"{name}: args {Words(o.Args)} → {Words(c.Args)}");
            changes.AddRange(EnvChanges(name, o.Env, c.Env));
            if (EnvFrom(o.EnvFrom) != EnvFrom(c.EnvFrom))
                changes.Add($"{name}: envFrom {EnvFrom(o.EnvFrom)} → {EnvFrom(c.EnvFrom)}");
            changes.AddRange(ResourceChanges(name, "request", o.Resources?.Requests, c.Resources?.Requests));
            changes.AddRange(ResourceChanges(name, "limit", o.Resources?.Limits, c.Resources?.Limits));
        }
        changes.AddRange(old.Keys.Where(n => !now.ContainsKey(n)).Select(n => $"container {n} removed"));
        return changes;
    }

    static Dictionary<string, V1Container> Containers(V1PodTemplateSpec? t) =>
        (t?.Spec?.InitContainers ?? []).Concat(t?.Spec?.Containers ?? [])
            .Where(c => c.Name is not null)
            .GroupBy(c => c.Name).ToDictionary(g => g.Key, g => g.First());

    static string Words(IList<string>? words) =>
        words is null || words.Count == 0 ? "(image default)" : "[" + string.Join(" ", words) + "]";

    static IEnumerable<string> EnvChanges(string container, IList<V1EnvVar>? before, IList<V1EnvVar>? after)
    {
        var old = (before ?? []).GroupBy(e => e.Name).ToDictionary(g => g.Key, g => g.Last());
        var now = (after ?? []).GroupBy(e => e.Name).ToDictionary(g => g.Key, g => g.Last());
        foreach (var (name, e) in now)
        {
            if (!old.TryGetValue(name, out var o))
                yield return $"{container}: env {name} added{(e.ValueFrom is null ? "" : $" (from {Source(e)})")}";
            else if (Source(o) != Source(e))
                yield return $"{container}: env {name} {Source(o)} → {Source(e)}";
            else if (e.ValueFrom is null && o.Value != e.Value)
                yield return $"{container}: env {name} value changed";
        }
        foreach (var name in old.Keys.Where(n => !now.ContainsKey(n)))
            yield return $"{container}: env {name} removed";
    }

    /// <summary>Where an env var's value comes from, never the value itself.</summary>
    internal static string Source(V1EnvVar e) => e.ValueFrom switch
    {
        null => "literal value",
        { SecretKeyRef: { } s } => $"secret {s.Name}/{s.Key}{(s.Optional == true ? " (optional)" : "")}",
        { ConfigMapKeyRef: { } c } => $"configMap {c.Name}/{c.Key}{(c.Optional == true ? " (optional)" : "")}",
        { FieldRef: { } f } => $"field {f.FieldPath}",
        { ResourceFieldRef: { } r } => $"resource {r.Resource}",
        _ => "other source",
    };

    static string EnvFrom(IList<V1EnvFromSource>? sources) =>
        sources is null || sources.Count == 0
            ? "(none)"
            : string.Join(", ", sources.Select(s =>
                s.SecretRef is { } sr ? $"secret {sr.Name}" : s.ConfigMapRef is { } cr ? $"configMap {cr.Name}" : "other"));

    static IEnumerable<string> ResourceChanges(string container, string what,
        IDictionary<string, ResourceQuantity>? before, IDictionary<string, ResourceQuantity>? after)
    {
        var keys = (before?.Keys ?? []).Union(after?.Keys ?? []).Order(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            var o = before is not null && before.TryGetValue(key, out var a) ? a.ToString() : "none";
            var n = after is not null && after.TryGetValue(key, out var b) ? b.ToString() : "none";
            if (o != n)
                yield return $"{container}: {key} {what} {o} → {n}";
        }
    }
}
