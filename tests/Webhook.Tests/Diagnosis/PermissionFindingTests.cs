using k8s.Models;
using Webhook.Diagnosis;
using static Webhook.Tests.Diagnosis.SpecEdit;

namespace Webhook.Tests.Diagnosis;

/// <summary>Permission findings (mount and kind, security context, port) and the steps written from them, each with its contradiction test.</summary>
public class PermissionFindingTests
{
    // Read-only paths.

    [Fact]
    public void AWriteIntoAConfigMapMountSaysItIsReadOnlyByDesignAndNeverHidesItWithAnEmptyDir()
    {
        var d = new SpecEdit(new Crash { Log = "OSError: [Errno 30] Read-only file system: '/etc/app/cache.db'", SecurityContext = new V1SecurityContext { ReadOnlyRootFilesystem = false } })
        {
            Volumes = [ConfigMap("config", "api-config")],
            Mounts = [Mount("config", "/etc/app")],
        }.Classify();
        Assert.Equal(Causes.PermissionDenied, d.Cause);
        var ro = Assert.Single(d.Findings, f => f.Kind == FindingKinds.ReadOnlyPath);
        Assert.Equal("configMap", ro.Get("reason"));
        d.Step("/etc/app/cache.db", "ConfigMap api-config", "read-only by design");
        // Contradictions: readOnlyRootFilesystem=false, and an emptyDir at /etc/app would hide the config.
        d.NoStep("root filesystem is read-only");
        d.NoStep("emptyDir at /etc/app");
    }

    [Fact]
    public void TheRootFilesystemIsCalledReadOnlyOnlyWhenReadOnlyRootFilesystemIsSet()
    {
        var log = "Error: EROFS: read-only file system, open '/app/.cache/data.json'";
        var set = new SpecEdit(new Crash { Log = log, SecurityContext = new V1SecurityContext { ReadOnlyRootFilesystem = true, RunAsUser = 1000 } }).Classify();
        set.Step("The root filesystem is read-only", "emptyDir at /app/.cache");

        var unset = new SpecEdit(new Crash { Log = log, SecurityContext = new V1SecurityContext { ReadOnlyRootFilesystem = false } }).Classify();
        Assert.Equal(Causes.PermissionDenied, unset.Cause);
        unset.NoStep("root filesystem is read-only");
        unset.Step("readOnlyRootFilesystem is not set");
    }

    [Fact]
    public void AReadOnlyVolumeMountIsNamed()
    {
        var d = new SpecEdit(new Crash { Log = "open /data/app.db: read-only file system" })
        {
            Volumes = [Claim("data", "api-data")],
            Mounts = [Mount("data", "/data", readOnly: true)],
        }.Classify();
        d.Step("Volume data is mounted with readOnly: true at /data");
        d.NoStep("root filesystem");
    }

    [Fact]
    public void ReadOnlyConfigMapBundle()
    {
        var d = new SpecEdit(new Crash { Log = "Error: EACCES: permission denied, open '/etc/nginx/conf.d/default.conf'" })
        {
            Volumes = [ConfigMap("nginx-conf", "nginx-conf")],
            Mounts = [Mount("nginx-conf", "/etc/nginx/conf.d")],
        }.ClassifyBundle();
        Assert.Equal(Causes.PermissionDenied, d.Cause);
        d.Step("ConfigMap nginx-conf", "read-only by design");
        d.NoStep("emptyDir at /etc/nginx/conf.d");
        d.NoStep("fsGroup");
    }

    // Volumes the user cannot write: fsGroup.

    static SpecEdit OnClaim(V1PodSecurityContext? pod, V1SecurityContext? container = null) =>
        new(new Crash { Log = "mkdir: can't create directory '/var/lib/grafana/plugins': Permission denied", SecurityContext = container })
        {
            Volumes = [Claim("storage", "grafana-pvc")],
            Mounts = [Mount("storage", "/var/lib/grafana")],
            PodSecurity = pod,
        };

    [Fact]
    public void AClaimTheUserCannotWriteGetsFsGroupFromItsGroupAndAPatch()
    {
        var d = OnClaim(new V1PodSecurityContext { RunAsUser = 472, RunAsGroup = 472 }).Classify();
        Assert.Equal(Causes.PermissionDenied, d.Cause);
        d.Step("PersistentVolumeClaim grafana-pvc", "fsGroup: 472");
        Assert.Equal("kubectl patch deployment api -n shop --type=merge -p '{\"spec\":{\"template\":{\"spec\":{\"securityContext\":{\"fsGroup\":472}}}}}'", d.Change?.Command);
    }

    [Fact]
    public void FsGroupAlreadySetIsNamedNotRecommendedAgain()
    {
        var d = OnClaim(new V1PodSecurityContext { RunAsUser = 472, FsGroup = 2000 }).Classify();
        d.Step("fsGroup is already 2000");
        d.NoStep("set securityContext.fsGroup");
        d.NoStep("sets no fsGroup");
        Assert.Null(d.Change);
    }

    [Fact]
    public void RunAsUserAlreadySetIsNeverRecommendedAgain()
    {
        var d = OnClaim(new V1PodSecurityContext { RunAsUser = 472 }).Classify();
        d.NoStep("set runAsUser");
        d.NoStep("runAsUser:");
        d.Step("user 472");
    }

    [Fact]
    public void FsGroupBundle()
    {
        var d = OnClaim(null, new V1SecurityContext { RunAsUser = 1000 }).ClassifyBundle();
        d.Step("fsGroup: 1000");
        Assert.Contains("fsGroup", d.Change?.Command);
    }

    // Network volumes: no ownership changes.

    [Fact]
    public void AnNfsVolumeGetsServerSideOwnershipAndNoChownOrFsGroup()
    {
        var d = new SpecEdit(new Crash { Log = "level=error caller=main.go:727 err=\"opening storage failed: lock DB directory: open /data/lock: permission denied\"" })
        {
            Volumes = [new V1Volume { Name = "storage", Nfs = new V1NFSVolumeSource { Server = "10.10.20.5", Path = "/exports/prometheus" } }],
            Mounts = [Mount("storage", "/data")],
            PodSecurity = new V1PodSecurityContext { RunAsUser = 65534, RunAsGroup = 65534 },
        }.Classify();
        Assert.Equal(Causes.PermissionDenied, d.Cause);
        d.Step("NFS export 10.10.20.5:/exports/prometheus", "anonuid=65534");
        // Contradictions: the server refuses chown even to root, and fsGroup is not applied to NFS.
        d.NoStep("chown");
        d.NoStep("fsGroup:");
        Assert.Null(d.Change);
    }

    [Fact]
    public void AnEfsClaimGetsAnAccessPointAndAnAzureFileShareGetsMountOptions()
    {
        var efs = new SpecEdit(new Crash { Log = "chown: changing ownership of '/data': Operation not permitted" })
        {
            Volumes = [new V1Volume { Name = "data", Csi = new V1CSIVolumeSource { Driver = "efs.csi.aws.com" } }],
            Mounts = [Mount("data", "/data")],
            PodSecurity = new V1PodSecurityContext { RunAsUser = 1000 },
        }.Classify();
        efs.Step("access point", "1000:1000");
        efs.NoStep("chown -R");
        efs.NoStep("COPY --chown");

        var azure = new SpecEdit(new Crash { Log = "open /data/x.db: permission denied" })
        {
            Volumes = [new V1Volume { Name = "data", AzureFile = new V1AzureFileVolumeSource { ShareName = "share", SecretName = "az" } }],
            Mounts = [Mount("data", "/data")],
            PodSecurity = new V1PodSecurityContext { RunAsUser = 1000 },
        }.Classify();
        azure.Step("mountOptions uid=1000,gid=1000");
        azure.NoStep("chown");
    }

    [Fact]
    public void AnOwnershipChangeRefusedOnAClaimIsNotAnsweredWithChown()
    {
        var d = new SpecEdit(new Crash { Log = "chmod: changing permissions of '/var/lib/postgresql/data/pgdata': Operation not permitted\ninitdb: error: could not change permissions of directory \"/var/lib/postgresql/data/pgdata\": Operation not permitted" })
        {
            Volumes = [Claim("data", "postgres-data-postgres-0")],
            Mounts = [Mount("data", "/var/lib/postgresql/data")],
        }.Classify();
        Assert.Equal(Causes.PermissionDenied, d.Cause);
        d.Step("ownership changes on it fail even as root", "storage side");
        d.NoStep("chown");
        d.NoStep("fsGroup:");
        Assert.Null(d.Change);
    }

    [Fact]
    public void NetworkVolumeBundle()
    {
        var d = new SpecEdit(new Crash { Log = "touch: cannot touch '/var/jenkins_home/copy_reference_file.log': Permission denied" })
        {
            Volumes = [Claim("home", "jenkins-nfs-claim")],
            Mounts = [Mount("home", "/var/jenkins_home")],
            PodSecurity = new V1PodSecurityContext { RunAsUser = 1000, FsGroup = 1000 },
        }.ClassifyBundle();
        d.Step("a network volume (nfs)", "1000:1000");
        d.NoStep("chown");
    }

    // Privileged ports.

    [Fact]
    public void APrivilegedPortAsNonRootSaysListenHighOrTheSysctlAndNamesTheSetting()
    {
        var d = new Crash
        {
            Log = "Error: listen EACCES: permission denied 0.0.0.0:80",
            Env = [Literal("WEB_PORT", "80")],
            SecurityContext = new V1SecurityContext { RunAsUser = 1000 },
        }.Classify();
        Assert.Equal(Causes.PermissionDenied, d.Cause);
        var port = Assert.Single(d.Findings, f => f.Kind == FindingKinds.PrivilegedPort);
        Assert.Equal("80", port.Get("port"));
        d.Step("Port 80", "env WEB_PORT=80", "runAsUser=1000, not root", "WEB_PORT=8080");
        d.Step("net.ipv4.ip_unprivileged_port_start=0");
        // Contradictions: nothing about files or mounts for a port.
        d.NoStep("chown");
        d.NoStep("emptyDir");
    }

    [Fact]
    public void APrivilegedPortAsRootBlamesTheDroppedCapabilityNotTheUser()
    {
        var d = new Crash
        {
            Log = "nginx: [emerg] bind() to 0.0.0.0:80 failed (13: Permission denied)",
            SecurityContext = new V1SecurityContext { RunAsUser = 0, Capabilities = new V1Capabilities { Drop = ["ALL"] } },
        }.Classify();
        d.NoStep("not root");
        d.Step("NET_BIND_SERVICE", "drop [ALL]");
    }

    [Fact]
    public void ATimestampIsNotAPort()
    {
        var d = new Crash { Log = "2026/11/22 02:38:08 [emerg] 1#1: open() \"/var/log/nginx/error.log\" failed (13: Permission denied)" }.Classify();
        Assert.DoesNotContain(d.Findings, f => f.Kind == FindingKinds.PrivilegedPort);
        d.NoStep("below 1024");
    }

    [Fact]
    public void PrivilegedPortBundle()
    {
        var d = new SpecEdit(new Crash
        {
            Log = "Emitted 'error' event on Server instance at:\n    at emitErrorNT (net.js:1345:8) {\n  code: 'EACCES',\n  errno: -13,\n  syscall: 'listen',\n  address: '0.0.0.0',\n  port: 80\n}",
            SecurityContext = new V1SecurityContext { RunAsUser = 1000, RunAsNonRoot = true },
        }).ClassifyBundle();
        d.Step("Port 80", "below 1024");
    }

    // OpenShift's arbitrary UID.

    [Fact]
    public void OpenShiftsArbitraryUidGetsGroupZeroWritableNotChown()
    {
        var d = new SpecEdit(new Crash { Log = "mkdir: cannot create directory '/opt/app/data': Permission denied", SecurityContext = new V1SecurityContext { RunAsUser = 1000650000 } })
        {
            Annotations = new Dictionary<string, string> { ["openshift.io/scc"] = "restricted-v2" },
        }.Classify();
        d.Step("arbitrary UID (1000650000)", "chgrp -R 0 /opt/app", "chmod -R g=u /opt/app");
        d.NoStep("COPY --chown");
        d.NoStep("set runAsUser");
    }

    [Fact]
    public void ANonOpenShiftImageDirectoryGetsChownInTheImage()
    {
        var d = new Crash { Log = "mkdir: cannot create directory '/opt/app/data': Permission denied", SecurityContext = new V1SecurityContext { RunAsUser = 1000 } }.Classify();
        d.Step("/opt/app", "RUN chown -R 1000");
        d.NoStep("chgrp -R 0");
        d.NoStep("root filesystem is read-only");
    }

    [Fact]
    public void RootWithoutCapChownIsTheCapabilityNotTheVolume()
    {
        var d = new SpecEdit(new Crash
        {
            Log = "chown: /var/lib/grafana/lost+found: Operation not permitted\nchown: /var/lib/grafana: Operation not permitted",
            SecurityContext = new V1SecurityContext { RunAsUser = 0, Capabilities = new V1Capabilities { Drop = ["ALL"] } },
        })
        {
            Volumes = [Claim("storage", "grafana")],
            Mounts = [Mount("storage", "/var/lib/grafana")],
            PodSecurity = new V1PodSecurityContext { FsGroup = 472 },
        }.Classify();
        Assert.Equal(Causes.PermissionDenied, d.Cause);
        d.Step("drop [ALL]", "add: [CHOWN]", "fsGroup 472 already");
        // Contradictions: the volume is not at fault, and fsGroup is set.
        d.NoStep("network");
        d.NoStep("storage side");
        d.NoStep("set fsGroup");
    }

    [Fact]
    public void WithCapChownKeptAnOwnershipRefusalIsTheVolume()
    {
        var d = new SpecEdit(new Crash { Log = "chown: /var/lib/grafana: Operation not permitted", SecurityContext = new V1SecurityContext { RunAsUser = 0 } })
        {
            Volumes = [Claim("storage", "grafana")],
            Mounts = [Mount("storage", "/var/lib/grafana")],
        }.Classify();
        d.NoStep("capabilities.add: [CHOWN]");
        d.Step("storage side");
    }

    [Fact]
    public void ABindRefusedInsideAStackTraceTakesThePrivilegedContainerPort()
    {
        var crash = new Crash
        {
            Log = "Unhandled exception. System.Net.Sockets.SocketException (13): Permission denied\n   at System.Net.Sockets.Socket.DoBind(EndPoint endPointSnapshot, SocketAddress socketAddress)\n   at System.Net.Sockets.Socket.Bind(EndPoint localEP)",
            SecurityContext = new V1SecurityContext { RunAsUser = 1001 },
        };
        var snapshot = crash.Snapshot();
        snapshot.Pod!.Spec.Containers[0].Ports = [new V1ContainerPort { ContainerPort = 88 }];
        var d = new CrashClassifier().Classify(snapshot);
        Assert.Equal(Causes.PermissionDenied, d.Cause);
        d.Step("Port 88", "runAsUser=1001", "1024");
        // Contradiction: with only unprivileged ports declared, no port is guessed.
        var high = new Crash { Log = crash.Log, SecurityContext = new V1SecurityContext { RunAsUser = 1001 } }.Classify();
        high.NoStep("below 1024");
    }

    [Fact]
    public void TheClaimsStorageClassInTheSnapshotShowsAnAzureFilesShare()
    {
        var d = new SpecEdit(new Crash { Log = "initdb: could not change permissions of directory \"/var/lib/postgresql/data\": Operation not permitted" })
        {
            Volumes = [Claim("data", "postgres-pvc")],
            Mounts = [Mount("data", "/var/lib/postgresql/data")],
            Objects = new()
            {
                ["PersistentVolumeClaim.shop.postgres-pvc"] = "{\"spec\":{\"storageClassName\":\"azurefile\"}}",
                ["StorageClass.azurefile"] = "{\"provisioner\":\"kubernetes.io/azure-file\",\"mountOptions\":[\"uid=999\",\"gid=999\"]}",
            },
        }.ClassifyBundle();
        Assert.Equal(Causes.PermissionDenied, d.Cause);
        d.Step("StorageClass azurefile", "uid=999,gid=999", "Azure Disk");
        d.NoStep("chown");
        d.NoStep("fsGroup:");
    }

    [Fact]
    public void StdioPathsAreNotChownedOrMountedOver()
    {
        var d = new Crash { Log = "ERROR: failed to open error_log (/proc/self/fd/2): Permission denied (13)" }.Classify();
        Assert.Equal(Causes.PermissionDenied, d.Cause);
        d.Step("/proc/self/fd/2", "stderr");
        d.NoStep("chown");
        d.NoStep("emptyDir");
    }

    [Fact]
    public void AnRbacDenialGrantsTheVerbToTheServiceAccountAndNeverTalksAboutFiles()
    {
        var d = new Crash { Log = "E1124 20:00:01.000000 1 reflector.go:138] pods is forbidden: User \"system:serviceaccount:shop:api\" cannot list resource \"pods\" in API group \"\" in the namespace \"shop\"" }.Classify();
        Assert.Equal(Causes.PermissionDenied, d.Cause);
        d.Step("kubectl create role api-list-pods --verb=list --resource=pods -n shop", "--serviceaccount=shop:api");
        d.Step("kubectl auth can-i list pods --as=system:serviceaccount:shop:api -n shop");
        d.NoStep("chown");
        d.NoStep("fsGroup");
        var cluster = new Crash { Log = "deployments.apps is forbidden: User \"system:serviceaccount:ops:ctl\" cannot watch resource \"deployments\" in API group \"apps\" at the cluster scope" }.Classify();
        cluster.Step("kubectl create clusterrole ctl-watch-deployments --verb=watch --resource=deployments.apps");
    }

    [Fact]
    public void RunAsNonRootAgainstARootImageSaysToSetANumericUserNotChown()
    {
        var d = new Crash { NoTerminated = true, WaitingReason = "CreateContainerConfigError", WaitingMessage = "container has runAsNonRoot and image will run as root (pod: \"api-7d9f_shop\", container: app)" }.Classify();
        Assert.Equal(Causes.PermissionDenied, d.Cause);
        d.Step("runAsUser to a non-zero UID");
        d.NoStep("chown");
        d.NoStep("writable");
    }
}
