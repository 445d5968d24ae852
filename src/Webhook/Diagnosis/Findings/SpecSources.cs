using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using k8s.Models;

namespace Webhook.Diagnosis;

/// <summary>
/// Where a container's settings come from, read from the pod spec: a variable's env entry (literal,
/// configMapKeyRef, secretKeyRef, fieldRef) or the envFrom source that would supply it; the volumeMount, volume
/// and ConfigMap/Secret key behind a file path; the workload that owns the pod.
/// </summary>
public static partial class SpecSources
{
    /// <summary>Where one variable comes from. <see cref="Kind"/>: literal, configMapKeyRef, secretKeyRef, fieldRef, resourceFieldRef, envFrom, unset.</summary>
    public sealed record EnvOrigin(string Variable, string Kind, string Text, IReadOnlyDictionary<string, string> Values)
    {
        public string? Get(string key) => Values.TryGetValue(key, out var v) ? v : null;
    }

    /// <summary>The env entry that sets <paramref name="variable"/> (the last one wins), else the envFrom sources that could.</summary>
    public static EnvOrigin Origin(V1Container? container, string variable)
    {
        var entry = (container?.Env ?? []).LastOrDefault(e => e.Name == variable);
        var values = new Dictionary<string, string> { ["variable"] = variable };
        if (entry is not null)
        {
            if (entry.ValueFrom?.SecretKeyRef is { } s)
            {
                values["kind"] = "secretKeyRef"; values["object"] = $"Secret {s.Name}"; values["name"] = s.Name ?? ""; values["key"] = s.Key ?? "";
                if (s.Optional == true) values["optional"] = "true";
                return new(variable, "secretKeyRef", $"{variable} comes from key {s.Key} of Secret {s.Name} (secretKeyRef{(s.Optional == true ? ", optional" : "")})", values);
            }
            if (entry.ValueFrom?.ConfigMapKeyRef is { } c)
            {
                values["kind"] = "configMapKeyRef"; values["object"] = $"ConfigMap {c.Name}"; values["name"] = c.Name ?? ""; values["key"] = c.Key ?? "";
                if (c.Optional == true) values["optional"] = "true";
                return new(variable, "configMapKeyRef", $"{variable} comes from key {c.Key} of ConfigMap {c.Name} (configMapKeyRef{(c.Optional == true ? ", optional" : "")})", values);
            }
            if (entry.ValueFrom?.FieldRef is { } f)
            {
                values["kind"] = "fieldRef"; values["field"] = f.FieldPath ?? "";
                return new(variable, "fieldRef", $"{variable} comes from the pod field {f.FieldPath} (fieldRef)", values);
            }
            if (entry.ValueFrom?.ResourceFieldRef is { } r)
            {
                values["kind"] = "resourceFieldRef"; values["field"] = r.Resource ?? "";
                return new(variable, "resourceFieldRef", $"{variable} comes from the container's {r.Resource} (resourceFieldRef)", values);
            }
            values["kind"] = "literal"; values["value"] = entry.Value ?? "";
            return new(variable, "literal", string.IsNullOrEmpty(entry.Value)
                ? $"{variable} is set to an empty literal value in env of container {container?.Name}"
                : $"{variable} is set literally in env of container {container?.Name}: \"{Text.Clip(entry.Value, 80)}\"", values);
        }

        var candidates = EnvFromCandidates(container, variable);
        if (candidates.Count > 0)
        {
            values["kind"] = "envFrom";
            values["object"] = string.Join(", ", candidates.Select(c => c.Object));
            values["key"] = candidates[0].Key;
            if (candidates[0].Prefix.Length > 0) values["prefix"] = candidates[0].Prefix;
            var text = string.Join(" or ", candidates.Select(c => $"key {c.Key} of {c.Object}{(c.Prefix.Length > 0 ? $" (envFrom prefix {c.Prefix})" : "")}"));
            return new(variable, "envFrom", $"{variable} is not in env of container {container?.Name}; it can only come from envFrom: {text}", values);
        }
        values["kind"] = "unset";
        return new(variable, "unset", $"{variable} is not set in the spec of container {container?.Name}: no env entry and no envFrom source", values);
    }

    public sealed record EnvFromCandidate(string Object, string Kind, string Name, string Key, string Prefix);

    /// <summary>The envFrom sources whose prefix fits the variable, with the key the variable would be read from.</summary>
    public static IReadOnlyList<EnvFromCandidate> EnvFromCandidates(V1Container? container, string variable)
    {
        var list = new List<EnvFromCandidate>();
        foreach (var from in container?.EnvFrom ?? [])
        {
            var prefix = from.Prefix ?? "";
            if (!variable.StartsWith(prefix, StringComparison.Ordinal) || variable.Length == prefix.Length) continue;
            if (from.ConfigMapRef is { } c) list.Add(new($"ConfigMap {c.Name}", "configMapRef", c.Name ?? "", variable[prefix.Length..], prefix));
            else if (from.SecretRef is { } s) list.Add(new($"Secret {s.Name}", "secretRef", s.Name ?? "", variable[prefix.Length..], prefix));
        }
        return list;
    }

    /// <summary>A file or directory path's place in the container: its volumeMount, volume, kind and backing object.</summary>
    public sealed record MountInfo(V1VolumeMount Mount, V1Volume? Volume, string Kind, string Source, string? Key, bool ReadOnly, string? Network)
    {
        /// <summary>ConfigMap, Secret, projected and downwardAPI volumes: always mounted read-only, the kubelet owns their files.</summary>
        public bool IsConfigKind => Kind is "configMap" or "secret" or "projected" or "downwardAPI";
        public string MountPath => Mount.MountPath;
    }

    /// <summary>An object the snapshot holds an answer for ("Service.shop.api", "StorageClass.azurefile"), parsed; null when absent or unreadable.</summary>
    public static JsonElement? Object(Webhook.Collect.PodSnapshot? snapshot, string key)
    {
        if (snapshot?.Objects is not { } objects || !objects.TryGetValue(key, out var json)) return null;
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    static string? Str(JsonElement? e, params string[] path)
    {
        if (e is not { } el) return null;
        foreach (var p in path)
        {
            if (el.ValueKind != JsonValueKind.Object || !el.TryGetProperty(p, out el)) return null;
        }
        return el.ValueKind == JsonValueKind.String ? el.GetString() : el.ValueKind == JsonValueKind.Number ? el.GetRawText() : null;
    }

    /// <summary>The Service's service-link value tcp://CLUSTER-IP:PORT when the snapshot holds the Service; null otherwise.</summary>
    public static string? ServiceLinkValue(Webhook.Collect.PodSnapshot? snapshot, string ns, string service)
    {
        var svc = Object(snapshot, $"Service.{ns}.{service}");
        if (svc is null) return null;
        var ip = Str(svc, "spec", "clusterIP");
        string? port = null, protocol = null;
        if (svc.Value.TryGetProperty("spec", out var spec) && spec.TryGetProperty("ports", out var ports) && ports.ValueKind == JsonValueKind.Array && ports.GetArrayLength() > 0)
        {
            port = Str(ports[0], "port");
            protocol = Str(ports[0], "protocol");
        }
        return ip is null || ip == "None" || port is null ? "" : $"{(protocol ?? "TCP").ToLowerInvariant()}://{ip}:{port}";
    }

    /// <summary>The keys of a ConfigMap the snapshot holds (its values are emptied in bundles); null when it is not known.</summary>
    public static IReadOnlyList<string>? ConfigMapKeys(Webhook.Collect.PodSnapshot? snapshot, string ns, string name)
    {
        if (Object(snapshot, $"ConfigMap.{ns}.{name}") is not { } cm) return null;
        var keys = new List<string>();
        foreach (var field in new[] { "data", "binaryData" })
            if (cm.TryGetProperty(field, out var data) && data.ValueKind == JsonValueKind.Object)
                keys.AddRange(data.EnumerateObject().Select(p => p.Name));
        return keys;
    }

    /// <summary>The storage class of a claim and what the snapshot knows of it: name, provisioner, mountOptions.</summary>
    public static (string? Class, string? Provisioner, string? MountOptions) Storage(Webhook.Collect.PodSnapshot? snapshot, string ns, string claim)
    {
        var pvc = Object(snapshot, $"PersistentVolumeClaim.{ns}.{claim}");
        var name = Str(pvc, "spec", "storageClassName");
        if (name is null) return (null, null, null);
        var sc = Object(snapshot, $"StorageClass.{name}");
        string? options = null;
        if (sc is { } el && el.TryGetProperty("mountOptions", out var mo) && mo.ValueKind == JsonValueKind.Array)
            options = string.Join(",", mo.EnumerateArray().Select(o => o.GetString()));
        return (name, Str(sc, "provisioner"), options);
    }

    /// <summary>The mount a path lies on (the longest mountPath that contains it), or null when it is on the image's own filesystem.</summary>
    public static MountInfo? MountOf(V1Container? container, V1PodSpec? pod, string path, Webhook.Collect.PodSnapshot? snapshot = null)
    {
        V1VolumeMount? best = null;
        foreach (var m in container?.VolumeMounts ?? [])
        {
            var mp = m.MountPath?.TrimEnd('/') ?? "";
            if (mp.Length == 0) mp = "/";
            var inside = path == mp || path.StartsWith(mp == "/" ? "/" : mp + "/", StringComparison.Ordinal);
            if (inside && (best is null || mp.Length > (best.MountPath ?? "").TrimEnd('/').Length)) best = m;
        }
        if (best is null) return null;
        var volume = pod?.Volumes?.FirstOrDefault(v => v.Name == best.Name);
        var relative = path.Length > (best.MountPath ?? "").TrimEnd('/').Length ? path[((best.MountPath ?? "").TrimEnd('/').Length + 1)..] : "";
        var (kind, source, key) = Describe(volume, best, relative);
        var network = NetworkKind(volume);
        if (network is null && volume?.PersistentVolumeClaim?.ClaimName is { } claim && snapshot is not null)
        {
            var (cls, provisioner, _) = Storage(snapshot, snapshot.Namespace, claim);
            if (NetworkName().Match($"{cls} {provisioner}") is { Success: true } n)
            {
                network = n.Value.ToLowerInvariant().Replace("-", "", StringComparison.Ordinal);
                source += $" (StorageClass {cls}{(provisioner is null ? "" : $", provisioner {provisioner}")})";
            }
        }
        var readOnly = best.ReadOnlyProperty == true || kind is "configMap" or "secret" or "projected" or "downwardAPI";
        return new MountInfo(best, volume, kind, source, key, readOnly, network);
    }

    static (string Kind, string Source, string? Key) Describe(V1Volume? v, V1VolumeMount mount, string relative)
    {
        // With subPath the file at mountPath is the volume's entry named by subPath.
        var inVolume = string.IsNullOrEmpty(mount.SubPath) ? relative : relative.Length == 0 ? mount.SubPath : $"{mount.SubPath}/{relative}";
        var first = inVolume.Split('/')[0];
        if (v is null) return ("unknown", $"volume {mount.Name}", null);
        if (v.ConfigMap is { } cm) return ("configMap", $"ConfigMap {cm.Name}", ItemKey(cm.Items, inVolume, first));
        if (v.Secret is { } s) return ("secret", $"Secret {s.SecretName}", ItemKey(s.Items, inVolume, first));
        if (v.Projected is { } p)
        {
            var names = (p.Sources ?? []).Select(src => src.ConfigMap is { } c ? $"ConfigMap {c.Name}" : src.Secret is { } sec ? $"Secret {sec.Name}"
                : src.ServiceAccountToken is not null ? "the service account token" : src.DownwardAPI is not null ? "the downward API" : "a projection");
            return ("projected", $"projected volume {v.Name} ({string.Join(", ", names.Distinct())})", first.Length > 0 ? first : null);
        }
        if (v.DownwardAPI is not null) return ("downwardAPI", $"downwardAPI volume {v.Name}", null);
        if (v.EmptyDir is { } e) return ("emptyDir", e.Medium == "Memory" ? $"emptyDir {v.Name} (memory)" : $"emptyDir {v.Name}", null);
        if (v.PersistentVolumeClaim is { } pvc) return ("persistentVolumeClaim", $"PersistentVolumeClaim {pvc.ClaimName}", null);
        if (v.Ephemeral is not null) return ("ephemeral", $"ephemeral volume {v.Name}", null);
        if (v.HostPath is { } h) return ("hostPath", $"hostPath {h.Path} on the node", null);
        if (v.Nfs is { } nfs) return ("nfs", $"NFS export {nfs.Server}:{nfs.Path}", null);
        if (v.Csi is { } csi) return ("csi", $"CSI volume {v.Name} (driver {csi.Driver})", null);
        if (v.AzureFile is { } az) return ("azureFile", $"Azure Files share {az.ShareName}", null);
        if (v.Cephfs is not null) return ("cephfs", $"CephFS volume {v.Name}", null);
        if (v.Glusterfs is not null) return ("glusterfs", $"GlusterFS volume {v.Name}", null);
        return ("other", $"volume {v.Name}", null);
    }

    /// <summary>The ConfigMap/Secret key behind a file: the item whose path it is, or (without items) the key of that name; "" when items leave it out.</summary>
    static string? ItemKey(IList<V1KeyToPath>? items, string inVolume, string first)
    {
        if (inVolume.Length == 0) return null;
        if (items is null || items.Count == 0) return first;
        var item = items.FirstOrDefault(i => i.Path == inVolume) ?? items.FirstOrDefault(i => i.Path == first);
        return item?.Key ?? "";
    }

    /// <summary>A volume on a network filesystem that may refuse chown/chmod even to root and ignores fsGroup: nfs, efs, azurefile, smb, cephfs, glusterfs.</summary>
    public static string? NetworkKind(V1Volume? v)
    {
        if (v is null) return null;
        if (v.Nfs is not null) return "nfs";
        if (v.AzureFile is not null) return "azurefile";
        if (v.Cephfs is not null) return "cephfs";
        if (v.Glusterfs is not null) return "glusterfs";
        if (v.Csi?.Driver is { } driver && NetworkName().Match(driver) is { Success: true } d) return d.Value.ToLowerInvariant();
        if (v.PersistentVolumeClaim?.ClaimName is { } claim && NetworkName().Match(claim) is { Success: true } c) return c.Value.ToLowerInvariant();
        return null;
    }

    [GeneratedRegex(@"nfs|efs|azure-?file|smb|cifs|cephfs|glusterfs|filestore", RegexOptions.IgnoreCase)]
    private static partial Regex NetworkName();

    /// <summary>The JSON path of the pod template's spec inside the owner, for kubectl patch --type=json; null where the template cannot be patched.</summary>
    public static string? TemplateSpecPath(string kind) => kind switch
    {
        "Deployment" or "StatefulSet" or "DaemonSet" or "ReplicaSet" => "/spec/template/spec",
        "CronJob" => "/spec/jobTemplate/spec/template/spec",
        _ => null,
    };

    /// <summary>The effective user, group, fsGroup and related settings of the container (container-level wins).</summary>
    public static IReadOnlyDictionary<string, string> Security(CrashFacts facts)
    {
        var sc = facts.Spec?.SecurityContext;
        var psc = facts.Snapshot.Pod?.Spec?.SecurityContext;
        var values = new Dictionary<string, string>();
        void Put(string key, object? value) { if (value is not null) values[key] = value is bool b ? (b ? "true" : "false") : Convert.ToString(value, CultureInfo.InvariantCulture)!; }
        Put("runAsUser", sc?.RunAsUser ?? psc?.RunAsUser);
        Put("runAsGroup", sc?.RunAsGroup ?? psc?.RunAsGroup);
        Put("runAsNonRoot", sc?.RunAsNonRoot ?? psc?.RunAsNonRoot);
        Put("fsGroup", psc?.FsGroup);
        Put("fsGroupChangePolicy", psc?.FsGroupChangePolicy);
        Put("readOnlyRootFilesystem", sc?.ReadOnlyRootFilesystem);
        Put("allowPrivilegeEscalation", sc?.AllowPrivilegeEscalation);
        Put("privileged", sc?.Privileged);
        if (sc?.Capabilities?.Drop is { Count: > 0 } drop) values["capabilities.drop"] = string.Join(",", drop);
        if (sc?.Capabilities?.Add is { Count: > 0 } add) values["capabilities.add"] = string.Join(",", add);
        if (psc?.SupplementalGroups is { Count: > 0 } groups) values["supplementalGroups"] = string.Join(",", groups);
        if (facts.Snapshot.Pod?.Metadata?.Annotations is { } a && a.TryGetValue("openshift.io/scc", out var scc)) values["openshift.io/scc"] = scc;
        return values;
    }
}
