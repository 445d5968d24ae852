namespace Webhook.Diagnosis;

/// <summary>
/// A volume mounted over a whole directory hides everything the image had there: a missing file, or a script
/// that cannot write next to a mounted ConfigMap, is often the mount's doing. Mounting single files with subPath
/// (or the volume elsewhere) keeps the rest of the directory.
/// </summary>
public sealed class MountShadowFinder : IFinder
{
    public IEnumerable<Finding> Find(CrashFacts facts, RuleMatch match)
    {
        if (match.Cause is not (Causes.ConfigError or Causes.BadCommand or Causes.PermissionDenied))
            yield break;
        // The line may name the script that failed before the file it missed: take the path that is under a mount.
        var mounts = (facts.Spec?.VolumeMounts ?? []).Where(m => m.SubPath is null && m.MountPath != "/").ToList();
        var (path, mount) = Targets.Paths(match.Detail ?? "")
            .Select(p => (p, mounts.Where(m => p.StartsWith(m.MountPath.TrimEnd('/') + "/", StringComparison.Ordinal)).OrderByDescending(m => m.MountPath.Length).FirstOrDefault()))
            .LastOrDefault(x => x.Item2 is not null);
        if (mount is null || mount.MountPath.StartsWith("/var/run/secrets/", StringComparison.Ordinal))
            yield break;
        var volume = facts.Snapshot.Pod?.Spec?.Volumes?.FirstOrDefault(v => v.Name == mount.Name);
        var kind = volume?.ConfigMap is not null ? "ConfigMap" : volume?.Secret is not null ? "Secret" : volume?.Projected is not null ? "projected" : null;
        // Only an object mount is known to replace the directory with a few keys; other volumes may hold anything.
        if (kind is null || facts.Spec?.VolumeMounts?.Any(m => m.SubPath is not null && m.MountPath.StartsWith(mount.MountPath, StringComparison.Ordinal)) == true)
            yield break;
        var source = volume?.ConfigMap?.Name ?? volume?.Secret?.SecretName ?? mount.Name;
        yield return new Finding(FindingKinds.MountShadow,
            $"{kind} {source} is mounted over the whole directory {mount.MountPath} (volume {mount.Name}): only its keys are there, and {path} is not one of them", "pod.spec")
        {
            Values = new Dictionary<string, string> { ["volume"] = mount.Name, ["mountPath"] = mount.MountPath, ["path"] = path, ["kind"] = kind, ["source"] = source },
        };
    }
}
