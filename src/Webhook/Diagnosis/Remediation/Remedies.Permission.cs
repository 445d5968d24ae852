namespace Webhook.Diagnosis;

/// <summary>
/// Permission next steps, written from the findings of <see cref="PermissionFinder"/>: the mount and its kind,
/// the security context in force, the port. A step never contradicts them: no "read-only root filesystem" unless
/// readOnlyRootFilesystem is true, no emptyDir over a ConfigMap mount, no fsGroup advice when it is set, no
/// ownership change on a network volume.
/// </summary>
public static partial class Remedies
{
    static IEnumerable<string> PermissionSteps(RuleMatch match, CrashFacts facts, Findings findings)
    {
        var steps = new List<string>();
        var security = findings.First(FindingKinds.SecurityContext)?.Values ?? new Dictionary<string, string>();
        string? Sec(string key) => security.TryGetValue(key, out var v) ? v : null;
        var uid = Sec("runAsUser");
        var user = uid is null ? "the image's user" : $"user {uid}";
        var gid = Sec("runAsGroup") ?? Sec("fsGroup") ?? uid;
        var openShift = Sec("openshift") == "true";

        if (findings.First(FindingKinds.RbacDenied) is { } rbac)
        {
            var sa = rbac.Get("serviceAccount")!;
            var saNs = rbac.Get("serviceAccountNamespace")!;
            var resource = rbac.Get("group") is { Length: > 0 } g ? $"{rbac.Get("resource")}.{g}" : rbac.Get("resource")!;
            var name = $"{sa}-{rbac.Get("verb")}-{rbac.Get("resource")!.Replace('/', '-')}";
            var ns = rbac.Get("namespace");
            steps.Add(ns is { Length: > 0 }
                ? $"Grant ServiceAccount {saNs}/{sa} {rbac.Get("verb")} on {resource} in namespace {ns}: kubectl create role {Shell.Quote(name)} --verb={Shell.Quote(rbac.Get("verb")!)} --resource={Shell.Quote(resource)} -n {Shell.Quote(ns)} && kubectl create rolebinding {Shell.Quote(name)} --role={Shell.Quote(name)} --serviceaccount={Shell.Quote(saNs + ":" + sa)} -n {Shell.Quote(ns)} (or fix the chart's RBAC values so it creates them)"
                : $"Grant ServiceAccount {saNs}/{sa} {rbac.Get("verb")} on {resource} cluster-wide: kubectl create clusterrole {Shell.Quote(name)} --verb={Shell.Quote(rbac.Get("verb")!)} --resource={Shell.Quote(resource)} && kubectl create clusterrolebinding {Shell.Quote(name)} --clusterrole={Shell.Quote(name)} --serviceaccount={Shell.Quote(saNs + ":" + sa)} (or fix the chart's RBAC values so it creates them)");
            steps.Add($"Check what it may do: kubectl auth can-i {Shell.Quote(rbac.Get("verb")!)} {Shell.Quote(resource)} --as={Shell.Quote($"system:serviceaccount:{saNs}:{sa}")}{(ns is { Length: > 0 } ? $" -n {Shell.Quote(ns)}" : "")}");
            if (RecentChange(facts) is { } change0) steps.Add(change0);
            return steps;
        }

        if (findings.First(FindingKinds.NonRootImage) is { } nonRoot)
        {
            steps.Add(nonRoot.Get("nonNumeric") == "true"
                ? $"Image {nonRoot.Get("image")} names its user by name, which the kubelet cannot check against runAsNonRoot: set securityContext.runAsUser to that user's numeric UID (docker run --rm --entrypoint id IMAGE shows it)"
                : $"Image {nonRoot.Get("image")} runs as root and the pod requires runAsNonRoot: set securityContext.runAsUser to a non-zero UID the image can run as, or use a variant of the image that declares a non-root USER");
            return steps;
        }

        if (findings.First(FindingKinds.PrivilegedPort) is { } port)
        {
            var p = port.Get("port");
            var by = port.Get("source") is { } source ? $" (set by {source})" : "";
            var root = uid == "0";
            if (!root)
            {
                var setting = port.Get("source") is { } s && s.StartsWith("env ", StringComparison.Ordinal) ? $" ({s[4..s.IndexOf('=', StringComparison.Ordinal)]}=8080)" : "";
                var runAs = uid is null ? (Sec("runAsNonRoot") == "true" ? "the container runs with runAsNonRoot=true" : "the image's user is not root") : $"the container runs as runAsUser={uid}";
                steps.Add($"Port {p}{by} is below 1024 and {runAs}, not root: make the app listen on a port ≥ 1024 such as 8080{setting}, and change the Service's targetPort{(port.Get("containerPort") is null ? "" : $" and containerPort {p}")} to match");
                steps.Add($"Or let this pod's processes bind low ports: add the sysctl net.ipv4.ip_unprivileged_port_start=0 under the pod's securityContext.sysctls (a safe sysctl since Kubernetes 1.22); capability NET_BIND_SERVICE alone does not reach a non-root process unless the binary carries it (setcap cap_net_bind_service=+ep in the image)");
            }
            else if (!findings.Has(FindingKinds.DroppedCapability))
            {
                steps.Add($"The process runs as root and is still denied port {p}{by}: capability NET_BIND_SERVICE is dropped{(Sec("capabilities.drop") is { } drop ? $" (capabilities.drop: {drop})" : "")}; add it under securityContext.capabilities.add, or listen on a port ≥ 1024");
            }
            if (RecentChange(facts) is { } change1) steps.Add(change1);
            return steps;
        }

        // Root without CAP_CHOWN: the capability was dropped, the volume is not at fault (CapabilityFinder's common step says so).
        if (findings.Has(FindingKinds.DroppedCapability))
        {
            if (RecentChange(facts) is { } change7) steps.Add(change7);
            return steps;
        }
        var mount = findings.First(FindingKinds.PathMount);
        var readOnly = findings.First(FindingKinds.ReadOnlyPath);
        var path = mount?.Get("path") ?? readOnly?.Get("path");
        var dir = path is null ? null : PermissionFinder.Directory(path, match.Detail);

        if (readOnly is not null)
        {
            switch (readOnly.Get("reason"))
            {
                case "configMap" or "secret" or "projected" or "downwardAPI":
                    steps.Add($"{path} is inside {readOnly.Get("object")}, mounted at {readOnly.Get("mountPath")}: {readOnly.Get("reason")} volumes are read-only by design, whatever the user. "
                        + "Make the app write somewhere else (an emptyDir mounted at another path, such as /tmp), or copy the files in an initContainer into an emptyDir and point the app at the copy");
                    break;
                case "readOnlyMount":
                    steps.Add($"Volume {readOnly.Get("volume")} is mounted with readOnly: true at {readOnly.Get("mountPath")}: drop readOnly on that volumeMount if the app must write there, or point the app at a writable path");
                    break;
                case "readOnlyRootFilesystem":
                    steps.Add($"The root filesystem is read-only (readOnlyRootFilesystem=true{(uid is null ? "" : $", runAsUser={uid}")}) and {path} is on no volume: mount an emptyDir at {readOnly.Get("directory") ?? dir} (volumes: [{{name: writable, emptyDir: {{}}}}], volumeMounts: [{{name: writable, mountPath: {readOnly.Get("directory") ?? dir}}}])");
                    break;
                default:
                    steps.Add($"{path} is on {readOnly.Get("object")}, which is mounted read-only: check the PersistentVolume's accessModes and readOnly settings, or the export/share on the storage side");
                    break;
            }
            if (RecentChange(facts) is { } change2) steps.Add(change2);
            return steps;
        }

        if (mount is null)
        {
            steps.Add($"Make {user} able to write where the app writes: {(uid is null ? "run as the image's user or " : "")}chown the directory in the image (COPY --chown or RUN chown), or write to a mounted volume");
            if (RecentChange(facts) is { } change3) steps.Add(change3);
            return steps;
        }

        if (mount.Get("mounted") == "false")
        {
            if (path!.StartsWith("/proc/", StringComparison.Ordinal) || path.StartsWith("/dev/", StringComparison.Ordinal))
                steps.Add($"{path} is not a file on disk but the container's stdout/stderr (a pipe owned by the user the container started as): a process that changed user cannot reopen it by path; let it write to the stderr it inherited (log to stderr instead of opening {path}), or run it as the container's user");
            else if (match.Detail?.Contains("read-only", StringComparison.OrdinalIgnoreCase) == true)
                steps.Add($"{path} is on the container's own filesystem, and readOnlyRootFilesystem is not set on container {facts.ContainerName}: the read-only filesystem comes from elsewhere (an admission policy that rewrote the pod, or the runtime); compare the running pod's securityContext with the template");
            else if (openShift)
                steps.Add(OpenShiftStep(dir!, uid));
            else
                steps.Add($"{dir} in image {facts.Spec?.Image} is not writable for {user}: chown it in the image (RUN chown -R {uid ?? "UID"}:{gid ?? "GID"} {dir}, or COPY --chown), or, if the app only needs scratch space there, mount an emptyDir at {dir}");
            if (RecentChange(facts) is { } change4) steps.Add(change4);
            return steps;
        }

        var network = mount.Get("network");
        var ownershipRefused = mount.Get("ownershipRefused") == "true";
        if (ownershipRefused && network is null && (uid is null or "0") && Sec("capabilities.drop") is { } dropped
            && (dropped.Split(',').Contains("ALL") || dropped.Split(',').Contains("CHOWN")) && Sec("capabilities.add")?.Split(',').Contains("CHOWN") != true)
        {
            steps.Add($"Container {facts.ContainerName} changes ownership of {mount.Get("mountPath")} as root, but capabilities.drop: [{dropped}] removes CAP_CHOWN (and CAP_FOWNER), so even root gets Operation not permitted: "
                + "add it back with securityContext.capabilities.add: [CHOWN] (a policy such as a PodSecurityPolicy with requiredDropCapabilities: ALL must allow it), or drop the chown step: " + (Sec("fsGroup") is { } fs ? $"fsGroup {fs} already makes the volume group-writable for the pod" : "set fsGroup instead"));
            if (RecentChange(facts) is { } change6) steps.Add(change6);
            return steps;
        }
        if (network is not null || ownershipRefused)
        {
            steps.Add(NetworkVolumeStep(mount, network, uid, gid, facts));
            if (RecentChange(facts) is { } change5) steps.Add(change5);
            return steps;
        }

        if (openShift)
        {
            steps.Add(OpenShiftStep(dir!, uid) + $"; for the volume {mount.Get("volume")}, let the SCC's fsGroup apply (do not pin runAsUser)");
            return steps;
        }

        var fsGroup = Sec("fsGroup");
        switch (mount.Get("volumeKind"))
        {
            case "hostPath":
                steps.Add($"{path} is on {mount.Get("object")}: the kubelet applies no fsGroup to hostPath volumes; make the node directory writable for {user} on the node, or chown it in an initContainer that runs as root");
                break;
            case "emptyDir":
                steps.Add($"{path} is on {mount.Get("object")}, which starts world-writable: something in the container changed its permissions; check the entrypoint for chmod/chown of {mount.Get("mountPath")}");
                break;
            case var _ when fsGroup is not null:
                steps.Add($"fsGroup is already {fsGroup}{(uid is null ? "" : $" and runAsUser {uid}")}, yet {path} on {mount.Get("object")} (mounted at {mount.Get("mountPath")}) is not writable: the volume's driver may not apply fsGroup (kubectl get csidriver shows fsGroupPolicy), or fsGroupChangePolicy OnRootMismatch skipped files owned otherwise; fix the ownership once with an initContainer running as root: chown -R {uid ?? fsGroup}:{fsGroup} {mount.Get("mountPath")}");
                break;
            default:
                var group = gid ?? "the image user's GID";
                steps.Add($"{path} is on {mount.Get("object")} mounted at {mount.Get("mountPath")}, and the pod sets no fsGroup: set securityContext.fsGroup: {group} on the pod so the kubelet makes the volume group-writable for {user}"
                    + (uid is null ? " (find the image's UID/GID with: docker run --rm --entrypoint id IMAGE)" : ""));
                break;
        }
        if (RecentChange(facts) is { } change) steps.Add(change);
        return steps;
    }

    static string? ClaimName(Finding mount) =>
        mount.Get("object") is { } o && o.StartsWith("PersistentVolumeClaim ", StringComparison.Ordinal) ? o["PersistentVolumeClaim ".Length..] : null;

    static string OpenShiftStep(string dir, string? uid) =>
        $"OpenShift runs the container as an arbitrary UID{(uid is null ? "" : $" ({uid})")} in group 0: make {dir} group-0 writable in the image: RUN chgrp -R 0 {dir} && chmod -R g=u {dir}";

    static string NetworkVolumeStep(Finding mount, string? network, string? uid, string? gid, CrashFacts facts)
    {
        var who = uid is null ? "the app's UID/GID" : $"{uid}:{gid ?? uid}";
        var head = $"{mount.Get("path")} is on {mount.Get("object")} (mounted at {mount.Get("mountPath")})"
            + (network is null ? ", and ownership changes on it fail even as root" : $", a network volume ({network}): ownership changes from the pod fail there even as root, and fsGroup is not applied to it")
            + "; do not change ownership from the pod; ";
        var fix = network switch
        {
            "nfs" => $"make the export owned by {who} on the NFS server{(mount.Get("object") is { } o && o.StartsWith("NFS export ", StringComparison.Ordinal) ? $" ({o["NFS export ".Length..]})" : "")}, or export it with all_squash,anonuid={uid ?? "UID"},anongid={gid ?? uid ?? "GID"} (root_squash maps root to nobody)",
            "efs" => $"give the volume an EFS access point whose PosixUser is {who} and whose RootDirectory is created owned by it (StorageClass parameters uid/gid with provisioningMode efs-ap)",
            "azurefile" or "smb" or "cifs" => (mount.Get("mountOptions") is { } options ? $"its owner and modes are fixed by the mountOptions of StorageClass {mount.Get("storageClass")} ({options}); " : "")
                + $"set mountOptions uid={uid ?? "UID"},gid={gid ?? uid ?? "GID"} on the StorageClass or PersistentVolume, or, for data that needs its own ownership and modes (a database directory), use a block volume (Azure Disk) instead",
            null => $"this is how network shares behave (NFS with root_squash, SMB/Azure Files, EFS): check the claim's StorageClass (kubectl get pvc {Shell.Quote(ClaimName(mount) ?? "CLAIM")} -n {Shell.Quote(facts.Namespace)} -o jsonpath='{{.spec.storageClassName}}'), then make the directory owned by {who} on the storage side (export, access point or mount options), or keep this data on a block volume (Azure Disk, EBS, Persistent Disk) that supports ownership changes",
            _ => $"set the ownership to {who} on the storage side ({network})",
        };
        return head + fix;
    }
}
