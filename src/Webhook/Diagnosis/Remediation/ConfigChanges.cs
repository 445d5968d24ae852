using System.Globalization;

namespace Webhook.Diagnosis;

/// <summary>
/// The mechanical fixes of configuration and permission findings, as one kubectl patch of the owning workload's
/// pod template: enableServiceLinks: false for a service-link collision; removing the unknown flag's args entry
/// (guarded by a JSON-patch test of its current value); fsGroup for a block volume the pod's user cannot write.
/// </summary>
public static class ConfigChanges
{
    public static ProposedChange? For(RuleMatch match, CrashFacts facts, Findings findings)
    {
        if (PodWorkload.Of(facts) is not { } owner || SpecSources.TemplateSpecPath(owner.Kind) is not { } spec)
            return null;
        var target = $"kubectl patch {owner.Kind.ToLowerInvariant()} {Shell.Quote(owner.Name)} -n {Shell.Quote(facts.Namespace)}";

        if (match.Cause == Causes.ConfigError && findings.First(FindingKinds.ServiceLinkCollision) is { } link && link.Get("certain") == "true")
            return new ProposedChange(
                $"Set enableServiceLinks: false on {owner.Kind} {owner.Name}'s pod template, so {link.Get("variable")} is no longer injected from Service {link.Get("service")}",
                $"{target} --type=json -p {Shell.Quote($"[{{\"op\":\"add\",\"path\":\"{spec}/enableServiceLinks\",\"value\":false}}]")}");

        if (match.Cause == Causes.ConfigError && findings.OfKind(FindingKinds.UnknownFlag).ToList() is [{ } flag]
            && flag.Get("field") is { } field && flag.Get("index") is { } index && flag.Get("containerIndex") is { } container && flag.Get("entry") is { } entry)
        {
            var path = $"{spec}/{flag.Get("containerList")}/{container}/{field}/{index}";
            var test = $"{{\"op\":\"test\",\"path\":\"{path}\",\"value\":{Json(entry)}}}";
            if (flag.Get("singleDash") == "true")
                return new ProposedChange($"Write {field}[{index}] of container {facts.ContainerName} of {owner.Kind} {owner.Name} with two dashes: \"-{entry}\"",
                    $"{target} --type=json -p {Shell.Quote($"[{test},{{\"op\":\"replace\",\"path\":\"{path}\",\"value\":{Json("-" + entry)}}}]")}");
            return new ProposedChange($"Remove {field}[{index}] \"{entry}\" (unknown flag {flag.Get("flag")}) from container {facts.ContainerName} of {owner.Kind} {owner.Name}",
                $"{target} --type=json -p {Shell.Quote($"[{test},{{\"op\":\"remove\",\"path\":\"{path}\"}}]")}");
        }

        if (match.Cause == Causes.PermissionDenied && findings.First(FindingKinds.PathMount) is { } mount
            && mount.Get("volumeKind") == "persistentVolumeClaim" && mount.Get("network") is null && mount.Get("ownershipRefused") is null
            && findings.First(FindingKinds.SecurityContext) is { } security && security.Get("fsGroup") is null && security.Get("openshift") is null
            && (security.Get("runAsGroup") ?? security.Get("runAsUser")) is { } gid && gid != "0"
            && long.TryParse(gid, CultureInfo.InvariantCulture, out _))
        {
            var body = $"{{\"spec\":{Nest(spec, $"{{\"securityContext\":{{\"fsGroup\":{gid}}}}}")}}}";
            return new ProposedChange($"Set fsGroup: {gid} on {owner.Kind} {owner.Name}'s pod template, so the kubelet makes {mount.Get("mountPath")} group-writable for the pod's user",
                $"{target} --type=merge -p {Shell.Quote(body)}");
        }
        return null;
    }

    /// <summary>"/spec/template/spec" and an inner object → {"template":{"spec":INNER}} (the leading "spec" is the caller's).</summary>
    static string Nest(string path, string inner)
    {
        var parts = path.Trim('/').Split('/').Skip(1).ToList();
        var json = inner;
        for (var i = parts.Count - 1; i >= 0; i--) json = $"{{\"{parts[i]}\":{json}}}";
        return json;
    }

    static string Json(string value) => System.Text.Json.JsonSerializer.Serialize(value, RemediationJson.Relaxed.String);
}
