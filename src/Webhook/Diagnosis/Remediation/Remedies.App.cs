using System.Text.RegularExpressions;
using k8s.Models;

namespace Webhook.Diagnosis;

public static partial class Remedies
{
    [GeneratedRegex(@"password|authentication|credential|Access denied for user|Login failed|Unauthorized|NOAUTH|WRONGPASS|token", RegexOptions.IgnoreCase)]
    private static partial Regex CredentialProblem();

    [GeneratedRegex(@"PASS|PWD|USER|TOKEN|SECRET|KEY|CREDENTIAL", RegexOptions.IgnoreCase)]
    private static partial Regex CredentialName();

    static IEnumerable<string> ConfigError(RuleMatch match, CrashFacts facts)
    {
        var detail = match.Detail ?? "";
        if (ConfigRefs.Parse(detail) is { } missingRef)
        {
            var uses = ConfigRefs.UsesOf(missingRef, facts.Spec, facts.Snapshot.Pod?.Spec);
            var what = missingRef.Key is null ? $"{missingRef.Kind} {missingRef.Name}" : $"key {missingRef.Key} in {missingRef.Kind} {missingRef.Name}";
            yield return $"Create {what} in namespace {facts.Namespace} (kubectl create {missingRef.Kind} ...), or fix the name in the spec" +
                (uses.Count > 0 ? $"; the spec uses it in: {string.Join(", ", uses)}" : "");
            yield return "If the container can start without it, mark the reference optional: true";
            if (RecentChange(facts) is { } changed) yield return changed;
            yield break;
        }
        var variable = Targets.Variable(detail);
        var env = facts.Spec?.Env ?? [];
        var envFrom = EnvFromText(facts.Spec?.EnvFrom);
        if (variable is not null)
        {
            var entry = env.FirstOrDefault(e => e.Name == variable);
            yield return entry is null
                ? $"The spec does not set {variable}: add it under env (or to the ConfigMap/Secret the pod imports{(envFrom.Length > 0 ? $": {envFrom}" : "")})"
                : $"{variable} is set from {Source(entry)}: check that this key exists and holds a valid value";
        }
        else if (Targets.Path(detail) is { } path)
        {
            var mount = facts.Spec?.VolumeMounts?.FirstOrDefault(m => path.StartsWith(m.MountPath, StringComparison.Ordinal));
            yield return mount is null
                ? $"{path} is not under any volumeMount of {facts.ContainerName}: mount the ConfigMap/Secret that holds it there"
                : $"{path} is under volumeMount {mount.Name} ({mount.MountPath}): check that the ConfigMap/Secret has that key/file name";
        }
        else if (CredentialProblem().IsMatch(detail))
        {
            var secrets = env.Where(e => CredentialName().IsMatch(e.Name)).Select(e => $"{e.Name} from {Source(e)}").ToList();
            yield return secrets.Count > 0
                ? $"The credentials are rejected: check the user/password the container gets ({string.Join("; ", secrets.Take(4))}) against the server's"
                : $"The credentials are rejected: check which Secret provides them{(envFrom.Length > 0 ? $" (envFrom: {envFrom})" : "")} and that it matches the server's user and password";
        }
        else
        {
            yield return $"Fix the setting the log names: {Text.Clip(detail, 200)}";
        }
        if (env.Count > 0 || envFrom.Length > 0)
            yield return $"The container's env: {string.Join(", ", env.Select(e => e.Name).Take(12))}{(envFrom.Length > 0 ? $"; envFrom: {envFrom}" : "")}";
        if (facts.Waiting?.Reason == "CreateContainerConfigError")
            yield return $"Create the missing ConfigMap/Secret (or key) in namespace {facts.Namespace}, or mark the reference optional: true";
        if (RecentChange(facts) is { } change) yield return change;
    }

    static string EnvFromText(IList<V1EnvFromSource>? sources) =>
        string.Join(", ", (sources ?? []).Select(s => s.ConfigMapRef is { } c ? $"configmap/{c.Name}" : s.SecretRef is { } r ? $"secret/{r.Name}" : "?"));

    static string Source(V1EnvVar entry) =>
        entry.ValueFrom?.SecretKeyRef is { } s ? $"secret/{s.Name} key {s.Key}"
        : entry.ValueFrom?.ConfigMapKeyRef is { } c ? $"configmap/{c.Name} key {c.Key}"
        : $"a literal value \"{Text.Clip(entry.Value ?? "", 40)}\"";

    static IEnumerable<string> PermissionDenied(RuleMatch match, CrashFacts facts)
    {
        var detail = match.Detail ?? "";
        var path = Targets.Path(detail);
        var sc = facts.SecurityContext();
        var psc = facts.PodSecurityContext();
        var user = sc?.RunAsUser ?? psc?.RunAsUser;
        yield return $"Security context: runAsUser={user?.ToString() ?? "image default"}, runAsNonRoot={(sc?.RunAsNonRoot ?? psc?.RunAsNonRoot)?.ToString() ?? "unset"}, fsGroup={psc?.FsGroup?.ToString() ?? "unset"}, readOnlyRootFilesystem={sc?.ReadOnlyRootFilesystem?.ToString() ?? "false"}";
        if (detail.Contains("bind", StringComparison.OrdinalIgnoreCase) && !detail.Contains("mount", StringComparison.OrdinalIgnoreCase))
            yield return "A non-root process cannot bind a port below 1024: listen on 8080 (and map it in the Service) or add capability NET_BIND_SERVICE";
        else if (sc?.ReadOnlyRootFilesystem == true || detail.Contains("Read-only file system", StringComparison.OrdinalIgnoreCase))
            yield return $"The root filesystem is read-only: mount an emptyDir at {(path is null ? "the directory it writes" : DirectoryOf(path))}";
        yield return path is null
            ? "Give the user the process runs as ownership of what it writes: chown at image build time (COPY --chown=UID:GID) or set fsGroup"
            : $"Make {path} writable for user {user?.ToString() ?? "of the image"}: chown it at build time (COPY --chown) or set fsGroup for a mounted volume";
    }

    static string DirectoryOf(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash > 0 && path.Contains('.', StringComparison.Ordinal) ? path[..slash] : path;
    }

}
