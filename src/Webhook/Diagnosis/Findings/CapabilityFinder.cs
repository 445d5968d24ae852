using System.Text.RegularExpressions;

namespace Webhook.Diagnosis;

/// <summary>
/// Root that may not chown, chmod or bind: the container runs as UID 0 but its securityContext drops the Linux
/// capability the operation needs (drop: [ALL] takes CAP_CHOWN, CAP_FOWNER, CAP_NET_BIND_SERVICE with it), so
/// "Operation not permitted" comes from a missing capability, not from file ownership.
/// </summary>
public sealed partial class CapabilityFinder : IFinder
{
    public IEnumerable<Finding> Find(CrashFacts facts, RuleMatch match)
    {
        if (match.Cause != Causes.PermissionDenied)
            yield break;
        var sc = facts.SecurityContext();
        var user = sc?.RunAsUser ?? facts.PodSecurityContext()?.RunAsUser;
        var drop = sc?.Capabilities?.Drop ?? [];
        var add = sc?.Capabilities?.Add ?? [];
        if (user != 0 || drop.Count == 0)
            yield break;
        var text = string.Join('\n', facts.Log.Lines.TakeLast(30).Select(l => l.Text)) + "\n" + (match.Detail ?? "");
        var needed = Chown().IsMatch(text) ? "CHOWN" : Chmod().IsMatch(text) ? "FOWNER" : Bind().IsMatch(text) ? "NET_BIND_SERVICE" : null;
        if (needed is null)
            yield break;
        var dropped = drop.Any(d => d.Equals("ALL", StringComparison.OrdinalIgnoreCase) || d.Equals(needed, StringComparison.OrdinalIgnoreCase) || d.Equals("CAP_" + needed, StringComparison.OrdinalIgnoreCase));
        var added = add.Any(a => a.Equals(needed, StringComparison.OrdinalIgnoreCase) || a.Equals("CAP_" + needed, StringComparison.OrdinalIgnoreCase));
        if (!dropped || added)
            yield break;
        yield return new Finding(FindingKinds.DroppedCapability,
            $"{facts.ContainerName} runs as root but capabilities drop [{string.Join(", ", drop)}] removes CAP_{needed}, which the operation needs", "pod.spec")
        {
            Values = new Dictionary<string, string> { ["capability"] = needed, ["drop"] = string.Join(", ", drop), ["fsGroup"] = facts.PodSecurityContext()?.FsGroup?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "" },
        };
    }

    [GeneratedRegex(@"chown\b.*(Operation not permitted|EPERM)", RegexOptions.IgnoreCase)]
    private static partial Regex Chown();

    [GeneratedRegex(@"chmod\b.*(Operation not permitted|EPERM)", RegexOptions.IgnoreCase)]
    private static partial Regex Chmod();

    [GeneratedRegex(@"bind.*(permission denied|EACCES)", RegexOptions.IgnoreCase)]
    private static partial Regex Bind();
}
