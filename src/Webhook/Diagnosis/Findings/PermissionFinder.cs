using System.Globalization;

namespace Webhook.Diagnosis;

/// <summary>
/// Permission faults: which mount the denied path is on and what kind it is (ConfigMap/Secret/projected mounts are
/// read-only; network volumes refuse chown even to root), whether the root filesystem is really read-only, the
/// security context already in force (runAsUser, fsGroup, OpenShift's arbitrary UID), and a privileged port.
/// </summary>
public sealed class PermissionFinder : IFinder
{
    public IEnumerable<Finding> Find(CrashFacts facts, RuleMatch match)
    {
        if (match.Cause != Causes.PermissionDenied) return [];
        var detail = match.Detail ?? "";
        var findings = new List<Finding>();
        var security = SpecSources.Security(facts);
        var uid = security.TryGetValue("runAsUser", out var u) ? u : null;
        var openShift = security.ContainsKey("openshift.io/scc") || (long.TryParse(uid, CultureInfo.InvariantCulture, out var n) && n >= 1_000_000_000);

        if (security.Count > 0)
            findings.Add(new Finding(FindingKinds.SecurityContext,
                $"security context in force: {string.Join(", ", security.Select(kv => $"{kv.Key}={kv.Value}"))}{(openShift ? " (OpenShift assigns an arbitrary UID in group 0)" : "")}",
                "pod.spec")
            { Values = openShift ? new Dictionary<string, string>(security) { ["openshift"] = "true" } : security });

        if (RecentRbac(facts, detail) is { } rbac)
        {
            var scope = rbac.Namespace is null ? "at the cluster scope" : $"in namespace {rbac.Namespace}";
            findings.Add(new Finding(FindingKinds.RbacDenied,
                $"ServiceAccount {rbac.ServiceAccountNamespace}/{rbac.ServiceAccount} may not {rbac.Verb} {rbac.Resource}{(rbac.Group.Length == 0 ? "" : $" (API group {rbac.Group})")} {scope}", "log")
            {
                Values = new Dictionary<string, string>
                {
                    ["serviceAccount"] = rbac.ServiceAccount, ["serviceAccountNamespace"] = rbac.ServiceAccountNamespace, ["verb"] = rbac.Verb,
                    ["resource"] = rbac.Resource, ["group"] = rbac.Group, ["namespace"] = rbac.Namespace ?? "",
                },
            });
            return findings;
        }
        if (detail.Contains("runAsNonRoot", StringComparison.Ordinal))
        {
            findings.Add(new Finding(FindingKinds.NonRootImage,
                $"runAsNonRoot is set and no runAsUser, and image {facts.Spec?.Image} runs as root (or as a user name the kubelet cannot check)", "pod.status")
            {
                Values = new Dictionary<string, string> { ["image"] = facts.Spec?.Image ?? "", ["nonNumeric"] = detail.Contains("non-numeric", StringComparison.Ordinal) ? "true" : "false" },
            });
            return findings;
        }

        var recent = facts.Log.Lines.Where(l => !l.IsFrame && !string.IsNullOrWhiteSpace(l.Text)).TakeLast(20).Reverse().Select(l => l.Text.Trim()).ToList();
        var port = ConfigText.PrivilegedPortNear([detail, .. recent]);
        // A bind refused inside a stack trace (Socket.Bind, DoBind) names no port: the one privileged containerPort is it.
        if (port is null && BindInTrace(facts) && facts.Spec?.Ports?.Where(p => p.ContainerPort is > 0 and < 1024).Select(p => p.ContainerPort).Distinct().ToList() is [var only])
            port = only;
        if (port is not null)
        {
            findings.Add(PrivilegedPort(facts, port.Value, uid));
            return findings;
        }

        var path = Targets.Path(detail);
        if (path is null) return findings;
        var mount = SpecSources.MountOf(facts.Spec, facts.Snapshot.Pod?.Spec, path, facts.Snapshot);
        var ownership = ConfigText.IsOwnershipChangeRefused(detail) || facts.Log.Lines.TakeLast(15).Any(l => ConfigText.IsOwnershipChangeRefused(l.Text));
        var readOnlyError = detail.Contains("Read-only file system", StringComparison.OrdinalIgnoreCase) || detail.Contains("EROFS", StringComparison.Ordinal)
            || detail.Contains("read-only", StringComparison.OrdinalIgnoreCase);
        var values = new Dictionary<string, string> { ["path"] = path };
        if (mount is null)
        {
            var rootReadOnly = facts.Spec?.SecurityContext?.ReadOnlyRootFilesystem == true;
            values["mounted"] = "false";
            values["readOnlyRootFilesystem"] = rootReadOnly ? "true" : "false";
            findings.Add(new Finding(FindingKinds.PathMount,
                $"{path} is on no volume: it is on the container's own filesystem (image {facts.Spec?.Image})", "pod.spec") { Values = values });
            if (rootReadOnly)
                findings.Add(new Finding(FindingKinds.ReadOnlyPath,
                    $"{path} is on the root filesystem and readOnlyRootFilesystem is true for container {facts.ContainerName}", "pod.spec")
                {
                    Values = new Dictionary<string, string> { ["path"] = path, ["reason"] = "readOnlyRootFilesystem", ["directory"] = Directory(path, detail) },
                });
            return findings;
        }

        values["mountPath"] = mount.MountPath;
        values["volume"] = mount.Mount.Name;
        values["volumeKind"] = mount.Kind;
        values["object"] = mount.Source;
        if (mount.Network is { } network) values["network"] = network;
        if (mount.Volume?.PersistentVolumeClaim?.ClaimName is { } claim && SpecSources.Storage(facts.Snapshot, facts.Namespace, claim) is { Class: { } cls } storage)
        {
            values["storageClass"] = cls;
            if (storage.MountOptions is { } options) values["mountOptions"] = options;
        }
        if (ownership) values["ownershipRefused"] = "true";
        var kindText = mount.Network is { } net ? $"{mount.Source}, a network volume ({net})" : mount.Source;
        findings.Add(new Finding(FindingKinds.PathMount,
            $"{path} is on volume {mount.Mount.Name} mounted at {mount.MountPath}: {kindText}{(mount.Mount.ReadOnlyProperty == true ? ", readOnly: true" : "")}"
            + (ownership ? "; chown/chmod on it fail with Operation not permitted" : ""), "pod.spec")
        { Values = values });

        if (mount.ReadOnly)
            findings.Add(new Finding(FindingKinds.ReadOnlyPath,
                mount.IsConfigKind
                    ? $"{path} is on a {mount.Kind} volume ({mount.Source}): the kubelet mounts it read-only, whatever the user"
                    : $"{path} is on volume {mount.Mount.Name}, which the container mounts with readOnly: true",
                "pod.spec")
            {
                Values = new Dictionary<string, string>
                {
                    ["path"] = path, ["reason"] = mount.IsConfigKind ? mount.Kind : "readOnlyMount", ["mountPath"] = mount.MountPath, ["volume"] = mount.Mount.Name,
                    ["object"] = mount.Source,
                },
            });
        else if (readOnlyError && mount.Kind is "persistentVolumeClaim" or "csi" or "nfs" or "hostPath")
            findings.Add(new Finding(FindingKinds.ReadOnlyPath,
                $"{path} is on {mount.Source}, which is read-only on the node's side (a read-only PersistentVolume, an accessMode or a server export)", "pod.spec")
            {
                Values = new Dictionary<string, string> { ["path"] = path, ["reason"] = "volumeReadOnly", ["mountPath"] = mount.MountPath, ["volume"] = mount.Mount.Name, ["object"] = mount.Source },
            });
        return findings;
    }

    static Finding PrivilegedPort(CrashFacts facts, int port, string? uid)
    {
        var portText = port.ToString(CultureInfo.InvariantCulture);
        // Where the port is configured: an env value, an args entry, or only the containerPort.
        string? source = null;
        foreach (var env in facts.Spec?.Env ?? [])
            if (env.Value == portText || env.Value?.EndsWith(":" + portText, StringComparison.Ordinal) == true) { source = $"env {env.Name}={env.Value}"; break; }
        if (source is null)
        {
            var args = (facts.Spec?.Command ?? []).Concat(facts.Spec?.Args ?? []).ToList();
            for (var i = 0; i < args.Count && source is null; i++)
                if (args[i].EndsWith("=" + portText, StringComparison.Ordinal) || args[i].EndsWith(":" + portText, StringComparison.Ordinal)
                    || (args[i] == portText && i > 0)) source = $"argument \"{(args[i] == portText ? args[i - 1] + " " + args[i] : args[i])}\"";
        }
        var values = new Dictionary<string, string> { ["port"] = portText, ["user"] = uid ?? "image default" };
        if (source is not null) values["source"] = source;
        var declared = facts.Spec?.Ports?.Any(p => p.ContainerPort == port) == true;
        if (declared) values["containerPort"] = portText;
        return new Finding(FindingKinds.PrivilegedPort,
            $"the process binds port {port} (below 1024) as {(uid is null ? "the image's user" : $"user {uid}")}{(source is null ? "" : $"; the port is set by {source}")}", "log")
        { Values = values };
    }

    /// <summary>The directory to make writable: the parent of a file, or of a directory the process tried to create.</summary>
    static ConfigText.RbacDenial? RecentRbac(CrashFacts facts, string detail) =>
        ConfigText.Rbac(detail) ?? facts.Log.Lines.TakeLast(20).Select(l => ConfigText.Rbac(l.Text)).LastOrDefault(r => r is not null);

    static bool BindInTrace(CrashFacts facts)
    {
        var tail = facts.Log.Lines.TakeLast(25).ToList();
        return tail.Any(l => l.Text.Contains("Bind(", StringComparison.Ordinal) || l.Text.Contains(".bind(", StringComparison.Ordinal) || l.Text.Contains("DoBind", StringComparison.Ordinal))
            && tail.Any(l => l.Text.Contains("Permission denied", StringComparison.OrdinalIgnoreCase) || l.Text.Contains("EACCES", StringComparison.Ordinal) || l.Text.Contains("(13)", StringComparison.Ordinal));
    }

    public static string Directory(string path, string? line = null)
    {
        if (line?.Contains("mkdir", StringComparison.OrdinalIgnoreCase) == true && path.LastIndexOf('/') > 0) return path[..path.LastIndexOf('/')];
        var slash = path.LastIndexOf('/');
        var last = path[(slash + 1)..];
        return slash > 0 && last.Contains('.', StringComparison.Ordinal) ? path[..slash] : path;
    }
}
