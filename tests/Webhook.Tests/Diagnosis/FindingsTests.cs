using k8s.Models;
using Webhook.Bundles;
using Webhook.Collect;
using Webhook.Diagnosis;

namespace Webhook.Tests.Diagnosis;

/// <summary>
/// Findings and the next steps written from them, for dependencies, application errors, native crashes, commands
/// and clean exits. Each "...IsAbsent..." test feeds the fact that contradicts a step and asserts the step is gone.
/// </summary>
public class FindingsTests
{
    static CrashDiagnosis Classify(Crash crash, Action<V1Pod>? edit = null)
    {
        var snapshot = crash.Snapshot();
        edit?.Invoke(snapshot.Pod!);
        return new CrashClassifier().Classify(snapshot);
    }

    static V1Container App(V1Pod pod) => pod.Spec.Containers[0];

    // --- Evidence: the quoted line names the fault.

    [Fact]
    public void APythonTracebackIsQuotedByItsLastExceptionNotItsHeader()
    {
        var d = new Crash
        {
            Log = "starting\nTraceback (most recent call last):\n  File \"/app/main.py\", line 3, in <module>\n    django.setup()\n  File \"/usr/lib/python3/site-packages/django/apps/registry.py\", line 135, in check\n    raise AppRegistryNotReady(\"Apps aren't loaded yet.\")\ndjango.core.exceptions.AppRegistryNotReady: Apps aren't loaded yet.",
        }.Classify();
        Assert.Contains(d.Evidence, e => e.Source == "log" && e.Text.StartsWith("django.core.exceptions.AppRegistryNotReady", StringComparison.Ordinal));
        Assert.DoesNotContain(d.Evidence, e => e.Text.StartsWith("Traceback", StringComparison.Ordinal));
        Assert.Contains(d.Findings, f => f.Kind == FindingKinds.CrashFrame && f.Text.Contains("/app/main.py"));
    }

    [Fact]
    public void AHeaderEndingInAColonIsQuotedWithTheDetailBelowIt()
    {
        var d = new Crash { Log = "loading config\nFATAL: 1 error(s) decoding:\n* 'listen' has invalid keys: prot" }.Classify();
        Assert.Contains(d.Evidence, e => e.Source == "log" && e.Text.Contains("has invalid keys: prot"));
    }

    [Fact]
    public void RepeatedIdenticalLinesAreCountedNotListed()
    {
        var line = "ERROR: dial tcp 10.0.0.9:6379: connect: connection refused";
        var d = new Crash { Log = string.Join('\n', Enumerable.Repeat(line, 8)) }.Classify();
        Assert.Contains(d.Evidence, e => e.Text == line + "  (× 8)");
    }

    // --- Log patterns that matched by accident.

    [Fact]
    public void AMissingPythonModuleIsNotAnUnreachableHost()
    {
        var d = new Crash { Log = "Traceback (most recent call last):\n  File \"/app/run.py\", line 1, in <module>\n    import kopf\nModuleNotFoundError: No module named 'kopf'" }.Classify();
        Assert.NotEqual(Causes.DependencyUnavailable, d.Cause);
        Assert.Contains(d.Findings, f => f.Kind == FindingKinds.ModuleMissing && f.Get("module") == "kopf");
        Assert.Contains(d.Remediation, r => r.Contains("kopf"));
    }

    [Fact]
    public void RustsUnreachableCodePanicIsNotANetworkProblem()
    {
        var d = new Crash { ExitCode = 101, Log = "thread 'main' panicked at 'internal error: entered unreachable code', src/state.rs:88:14" }.Classify();
        Assert.Equal(Causes.ApplicationError, d.Cause);
    }

    [Fact]
    public void ASourceLocationIsNotTheHostThatWasUnreachable()
    {
        Assert.Equal("db:5432", Targets.HostPort("store.go:112: dial tcp db:5432: connect: connection refused"));
        Assert.Null(Targets.HostPort("panic at store.go:112 while saving"));
    }

    // --- Dependencies.

    [Fact]
    public void AServiceNameInTheLogBecomesTheServiceAndNamespaceToCheck()
    {
        var d = new Crash { Log = "FATAL: could not connect: dial tcp postgres.data.svc.cluster.local:5432: connect: connection refused" }.Classify();
        var u = Assert.Single(d.Findings, f => f.Kind == FindingKinds.Unreachable);
        Assert.Equal("postgres", u.Get("service"));
        Assert.Equal("data", u.Get("namespace"));
        Assert.Contains(d.Remediation, r => r.Contains("kubernetes.io/service-name=postgres") && r.Contains("-n data") && r.Contains("5432"));
    }

    [Fact]
    public void TheVariableThatConfiguresTheHostIsNamed()
    {
        var d = new Crash
        {
            Log = "Error: getaddrinfo ENOTFOUND redis-master",
            Env = [new V1EnvVar { Name = "REDIS_URL", Value = "redis://redis-master:6379" }],
        }.Classify();
        Assert.Equal(Causes.DependencyUnavailable, d.Cause);
        Assert.Contains(d.Remediation, r => r.Contains("REDIS_URL") && r.Contains("redis-master"));
        Assert.Contains(d.Remediation, r => r.Contains("does not resolve"));
    }

    [Fact]
    public void ALoopbackAddressServedByAnotherContainerOfThePodPointsAtThatContainer()
    {
        var d = Classify(new Crash { Log = "Npgsql.NpgsqlException: Failed to connect to 127.0.0.1:5432\n ---> System.Net.Sockets.SocketException (111): Connection refused" }, pod =>
        {
            pod.Spec.Containers.Add(new V1Container { Name = "cloud-sql-proxy", Image = "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.1" });
            pod.Status.ContainerStatuses.Add(new V1ContainerStatus { Name = "cloud-sql-proxy", Image = "x", ImageID = "", RestartCount = 9, State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "CrashLoopBackOff" } } });
        });
        Assert.Contains(d.Remediation, r => r.Contains("container cloud-sql-proxy") && r.Contains("CrashLoopBackOff"));
        Assert.DoesNotContain(d.Remediation, r => r.Contains("nothing there listens"));
    }

    [Fact]
    public void TheNothingListensOnLoopbackStepIsAbsentWhenAContainerOfThePodServesThePort()
    {
        var d = Classify(new Crash { Log = "connect ECONNREFUSED 127.0.0.1:6379" }, pod =>
            pod.Spec.Containers.Add(new V1Container { Name = "cache", Image = "redis:7", Ports = [new V1ContainerPort { ContainerPort = 6379 }] }));
        Assert.DoesNotContain(d.Remediation, r => r.Contains("nothing there listens"));
        Assert.Contains(d.Remediation, r => r.Contains("container cache"));
    }

    [Fact]
    public void AnExternalHostIsNotTreatedAsAService()
    {
        var d = new Crash { Log = "Error: connect ETIMEDOUT api.stripe.com:443" }.Classify();
        Assert.Equal("external", d.Findings.Single(f => f.Kind == FindingKinds.Unreachable).Get("scope"));
        Assert.DoesNotContain(d.Remediation, r => r.Contains("endpointslices"));
    }

    // --- Native crashes.

    [Fact]
    public void SigillWithAnInstructionSetMessageLeadsWithTheCpuNotWithGdb()
    {
        var d = new Crash { ExitCode = 132, Reason = "Error", Log = "The TensorFlow library was compiled to use AVX2 instructions, but these aren't available on your machine.\nIllegal instruction (core dumped)" }.Classify();
        Assert.Equal(Causes.NativeCrash, d.Cause);
        Assert.Contains("AVX2", d.Remediation[0]);
        Assert.DoesNotContain(d.Remediation, r => r.Contains("gdb"));
    }

    [Fact]
    public void TheGdbStepIsAbsentWhenTheLibcMismatchExplainsTheCrash()
    {
        var d = new Crash { ExitCode = 139, Log = "Error relocating /app/bin/server: __memcpy_chk: symbol not found\nSegmentation fault" }.Classify();
        Assert.Contains(d.Findings, f => f.Kind == FindingKinds.LibcMismatch);
        Assert.DoesNotContain(d.Remediation, r => r.Contains("gdb"));
    }

    // --- Commands and clean exits.

    [Fact]
    public void ArgsWithoutCommandAreNamedAsReplacingTheImagesCmd()
    {
        var d = Classify(new Crash { ExitCode = 128, Reason = "StartError", Message = "failed to create containerd task: exec: \"-port=80\": executable file not found in $PATH", Ran = TimeSpan.Zero },
            pod => { App(pod).Command = null; App(pod).Args = ["-port=80"]; });
        Assert.Equal(Causes.BadCommand, d.Cause);
        Assert.Contains(d.Remediation, r => r.Contains("without command") && r.Contains("-port=80"));
    }

    [Fact]
    public void TheArgsStepIsAbsentWhenTheSpecSetsACommand()
    {
        var d = new Crash { ExitCode = 127, Log = "/bin/sh: 1: /app/server: not found" }.Classify();
        Assert.DoesNotContain(d.Remediation, r => r.Contains("without command"));
    }

    [Fact]
    public void AVolumeMountedOverTheBinarysDirectoryIsNamed()
    {
        var d = Classify(new Crash { ExitCode = 128, Reason = "StartError", Message = "exec: \"/app/server\": stat /app/server: no such file or directory", Ran = TimeSpan.Zero },
            pod => App(pod).VolumeMounts = [new V1VolumeMount { Name = "data", MountPath = "/app" }]);
        Assert.Contains(d.Remediation, r => r.Contains("Volume data") && r.Contains("/app/server"));
    }

    [Fact]
    public void TheMountStepIsAbsentWhenTheMountUsesSubPath()
    {
        var d = Classify(new Crash { ExitCode = 128, Reason = "StartError", Message = "exec: \"/app/server\": stat /app/server: no such file or directory", Ran = TimeSpan.Zero },
            pod => App(pod).VolumeMounts = [new V1VolumeMount { Name = "cfg", MountPath = "/app/config.yaml", SubPath = "config.yaml" }]);
        Assert.DoesNotContain(d.Remediation, r => r.Contains("Volume cfg"));
    }

    [Fact]
    public void ABareBaseImageWithoutACommandIsExplained()
    {
        var d = Classify(new Crash { ExitCode = 0, Reason = "Completed", Ran = TimeSpan.FromSeconds(0) },
            pod => { App(pod).Command = null; App(pod).Args = null; App(pod).Image = "ubuntu:22.04"; });
        Assert.Equal(Causes.CleanExit, d.Cause);
        Assert.Contains(d.Remediation, r => r.Contains("ubuntu:22.04") && r.Contains("stdin"));
    }

    [Fact]
    public void TheBareImageStepIsAbsentWhenTheSpecSetsACommand()
    {
        var d = Classify(new Crash { ExitCode = 0, Reason = "Completed" }, pod => App(pod).Image = "ubuntu:22.04");
        Assert.DoesNotContain(d.Findings, f => f.Kind == FindingKinds.NoCommand);
    }

    [Fact]
    public void ABackgroundedProcessIsToldToRunInTheForeground()
    {
        var d = Classify(new Crash { ExitCode = 0, Reason = "Completed" }, pod => { App(pod).Command = ["sh", "-c"]; App(pod).Args = ["redis-server --daemonize yes"]; });
        Assert.Contains(d.Findings, f => f.Kind == FindingKinds.Background);
    }

    // --- The instance and the message.

    [Fact]
    public void AContainerThatNeverStartedIsSaidSoAndHasNoRunTime()
    {
        var snapshot = new Crash { ExitCode = 128, Reason = "ContainerCannotRun", Message = "exec: \"nope\": executable file not found in $PATH" }.Snapshot();
        snapshot.Pod!.Status.ContainerStatuses[0].LastState.Terminated.StartedAt = DateTime.UnixEpoch;
        var d = new CrashClassifier().Classify(snapshot);
        Assert.Contains(d.Findings, f => f.Kind == FindingKinds.NeverStarted);
        Assert.DoesNotContain(d.Evidence, e => e.Text.Contains("ran ", StringComparison.Ordinal));
    }

    [Fact]
    public void AFailingInitContainerIsNamedAsSuch()
    {
        var d = new Crash { Init = true, Log = "ERROR: Migration V3__add_index.sql failed" }.Classify();
        Assert.Contains(d.Findings, f => f.Kind == FindingKinds.FailingContainer && f.Get("role") == "init container");
    }

    [Fact]
    public void AnUncertainDiagnosisNamesTheRunnerUpAndHowToTellThemApart()
    {
        var d = new Crash { ExitCode = 134, Reason = "Error", Log = "ERROR: worker pool exhausted" }.Classify();
        Assert.NotEqual("certain", d.Certainty);
        Assert.NotEmpty(d.Alternatives);
        Assert.StartsWith("Not certain", d.Remediation[0]);
    }

    [Fact]
    public void ACertainDiagnosisHasNoTellApartStep()
    {
        var d = new Crash { ExitCode = 137, Reason = "OOMKilled", MemoryLimit = "256Mi" }.Classify();
        Assert.Equal("certain", d.Certainty);
        Assert.DoesNotContain(d.Remediation, r => r.StartsWith("Not certain", StringComparison.Ordinal));
    }

    [Fact]
    public void FindingsAndAlternativesSurviveTheBundleRoundTrip()
    {
        using var bundle = TempBundle.From(new Crash { Log = "dial tcp db:5432: connect: connection refused" });
        var d = new CrashClassifier().Classify(BundleReader.Read(bundle.Path));
        using var json = System.Text.Json.JsonDocument.Parse(System.Text.Json.JsonSerializer.Serialize(d, DiagnosisJson.Default.CrashDiagnosis));
        Assert.Contains(json.RootElement.GetProperty("findings").EnumerateArray(), f => f.GetProperty("kind").GetString() == "unreachable");
        Assert.Equal("certain", json.RootElement.GetProperty("certainty").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Array, json.RootElement.GetProperty("alternatives").ValueKind);
    }

    [Fact]
    public void ShellQuotingKeepsCommandsPasteable()
    {
        Assert.Equal("api-7d9f", Shell.Quote("api-7d9f"));
        Assert.Equal("'it'\\''s'", Shell.Quote("it's"));
        Assert.Equal("'a b'", Shell.Quote("a b"));
    }

    // --- Findings any cause can use.

    [Fact]
    public void TheLogsOwnAdviceIsQuoted()
    {
        var d = new Crash { ExitCode = 12, Log = "Memory limit exceeded: Using 35/32MB. Consider increasing horizon.memory_limit.\nINFO  Horizon started successfully." }.Classify();
        Assert.Equal(Causes.RuntimeOutOfMemory, d.Cause);
        Assert.Contains(d.Remediation, r => r.Contains("horizon.memory_limit"));
    }

    [Fact]
    public void AWaitForScriptThatCannotFindItsObjectNamesIt()
    {
        var d = new Crash { Init = true, Log = "waiting for job\nError from server (NotFound): jobs.batch \"release1-migrations\" not found" }.Classify();
        Assert.Equal(Causes.ConfigError, d.Cause);
        Assert.Contains(d.Remediation, r => r.Contains("jobs.batch \"release1-migrations\"") && r.Contains("namespace shop"));
    }

    [Fact]
    public void AConfigMapMountedOverAWholeDirectoryIsNamedWithSubPathAsTheFix()
    {
        var d = Classify(new Crash { Log = "/opt/run/server.sh: line 55: /config/dropins/keystore.xml: No such file or director" }, pod =>
        {
            App(pod).VolumeMounts = [new V1VolumeMount { Name = "server-config", MountPath = "/config" }];
            pod.Spec.Volumes = [new V1Volume { Name = "server-config", ConfigMap = new V1ConfigMapVolumeSource { Name = "liberty-server-xml" } }];
        });
        Assert.Equal(Causes.ConfigError, d.Cause);
        Assert.Contains(d.Remediation, r => r.Contains("liberty-server-xml") && r.Contains("subPath") && r.Contains("/config/dropins/keystore.xml"));
    }

    [Fact]
    public void TheSubPathStepIsAbsentWhenTheMountIsAPersistentVolume()
    {
        var d = Classify(new Crash { Log = "open /config/app.yaml: no such file or directory" }, pod =>
        {
            App(pod).VolumeMounts = [new V1VolumeMount { Name = "data", MountPath = "/config" }];
            pod.Spec.Volumes = [new V1Volume { Name = "data", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = "data" } }];
        });
        Assert.DoesNotContain(d.Remediation, r => r.Contains("subPath"));
    }

    [Fact]
    public void AnEnvValueWithLiteralQuotesIsTheLikelyFaultOfAGenericCrash()
    {
        var d = new Crash
        {
            ExitCode = 101,
            Log = "thread 'main' panicked at 'called `Option::unwrap()` on a `None` value', src/lib.rs:73:47",
            Env = [new V1EnvVar { Name = "DATABASE_URL", Value = "\"mysql://app@db:3306/app\"" }],
        }.Classify();
        Assert.Equal(Causes.ConfigError, d.Cause);
        Assert.Contains(d.Remediation, r => r.Contains("DATABASE_URL") && r.Contains("quotes"));
    }

    [Fact]
    public void TheQuotedValueStepIsAbsentWhenNoValueIsQuoted()
    {
        var d = new Crash
        {
            ExitCode = 101,
            Log = "thread 'main' panicked at 'called `Option::unwrap()` on a `None` value', src/lib.rs:73:47",
            Env = [new V1EnvVar { Name = "DATABASE_URL", Value = "mysql://app@db:3306/app" }],
        }.Classify();
        Assert.Equal(Causes.ApplicationError, d.Cause);
        Assert.DoesNotContain(d.Remediation, r => r.Contains("literal quotes"));
    }

    [Fact]
    public void AShellWrapperInAnImageWithoutAShellIsToldToRunTheProgramDirectly()
    {
        var d = Classify(new Crash { ExitCode = 128, Reason = "StartError", Ran = TimeSpan.Zero }, pod =>
        {
            App(pod).Command = ["/bin/sh", "-c"];
            App(pod).Args = ["/cloud_sql_proxy -instances=p:r:db=tcp:5432 &"];
        });
        Assert.Contains(d.Remediation, r => r.Contains("/bin/sh") && r.Contains("directly") && r.Contains("/cloud_sql_proxy"));
    }

    [Fact]
    public void TheShellWrapperStepIsAbsentWhenTheCommandIsNotAShell()
    {
        var d = new Crash { ExitCode = 128, Reason = "StartError", Ran = TimeSpan.Zero }.Classify();
        Assert.DoesNotContain(d.Findings, f => f.Kind == FindingKinds.ShellWrapper);
    }

    [Fact]
    public void AnExhaustedInotifyLimitNamesTheNodeSettingAndTheRuntimesKnob()
    {
        var d = new Crash { ExitCode = 134, Log = "Unhandled exception. System.IO.IOException: The configured user limit (128) on the number of inotify instances has been reached, or the per-process limit on the number of open file descriptors has been reached.\n   at System.IO.FileSystemWatcher.StartRaisingEvents()" }.Classify();
        Assert.Contains(d.Remediation, r => r.Contains("fs.inotify.max_user_instances"));
        Assert.Contains(d.Remediation, r => r.Contains("DOTNET_USE_POLLING_FILE_WATCHER"));
    }

    [Fact]
    public void TheTargetIsThePeerOfASocketAndTheNamedHostOverItsIp()
    {
        Assert.Equal("172.20.71.130:5432", Targets.HostPort("error: read tcp 10.0.190.33:44288->172.20.71.130:5432: read: connection reset by peer"));
        Assert.Equal("postgres:5432", Targets.HostPort("failed to connect to `host=postgres user=postgres database=flyteadmin`: dial error (dial tcp 10.102.122.224:5432: connect: connection refused)"));
    }

    [Fact]
    public void ARollbackNamesTheDeploymentOfTheReplicaSet()
    {
        var d = Classify(new Crash { Log = "TypeError: 'NoneType' object is not subscriptable" },
            pod =>
            {
                // As the ReplicaSet controller writes them: the owner's name ends in the pod's template hash.
                pod.Metadata.OwnerReferences = [new V1OwnerReference { Kind = "ReplicaSet", Name = "user-api-5d8f9c7b6", Controller = true, ApiVersion = "apps/v1", Uid = "u" }];
                pod.Metadata.Labels = new Dictionary<string, string> { ["pod-template-hash"] = "5d8f9c7b6" };
            });
        Assert.Contains(d.Remediation, r => r.Contains("kubectl rollout undo deployment/user-api -n shop"));
    }

    [Fact]
    public void AGoPanicNamesItsCrashingFunctionAndFileNotTheRuntime()
    {
        var d = new Crash { ExitCode = 2, Log = "panic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x1b5140d]\n\ngoroutine 1538 [running]:\ngithub.com/acme/op/pkg/gateway.(*Reconciler).configMap(0xc001669980)\n\t/src/pkg/gateway/configmap.go:49 +0x18d\nmain.main()\n\t/src/main.go:12 +0x1f1" }.Classify();
        Assert.Contains(d.Remediation, r => r.Contains("configMap") && r.Contains("configmap.go:49"));
    }

    [Fact]
    public void APythonNativeCrashNamesThePackageOfItsInnermostFrame()
    {
        var d = new Crash { ExitCode = 139, Log = "Fatal Python error: Segmentation fault\n\nCurrent thread 0x00007f (most recent call first):\n  File \"/usr/lib/python3/site-packages/dateparser/date.py\", line 476 in parse\n  File \"/app/main.py\", line 3 in <module>\nSegmentation fault (core dumped)" }.Classify();
        Assert.Contains(d.Remediation, r => r.Contains("pin dateparser"));
        Assert.DoesNotContain(d.Remediation, r => r.Contains("gdb"));
    }

    [Fact]
    public void TheShellsOwnMessageNamesTheScriptThatIsNotExecutable()
    {
        var d = new Crash { ExitCode = 126, Log = "/bin/sh: 1: /bin/fortuneloop.sh: Permission denied" }.Classify();
        Assert.Contains(d.Remediation, r => r.StartsWith("/bin/fortuneloop.sh exists but is not executable", StringComparison.Ordinal));
    }

    [Fact]
    public void TheCrlfScriptIsTheOneWhoseInterpreterEndsInACarriageReturn()
    {
        var d = new Crash { ExitCode = 126, Log = "/scripts/init.sh: /opt/app/bin/server.sh: /bin/sh^M: bad interpreter: No such file or directory" }.Classify();
        Assert.Contains(d.Remediation, r => r.Contains("/opt/app/bin/server.sh has Windows line endings"));
    }

    [Fact]
    public void RootThatMayNotChownIsMissingTheCapabilityNotOwnership()
    {
        var d = Classify(new Crash { Init = true, Log = "chown: /var/lib/grafana: Operation not permitted", SecurityContext = new V1SecurityContext { RunAsUser = 0, Capabilities = new V1Capabilities { Drop = ["ALL"] } } },
            pod => pod.Spec.SecurityContext = new V1PodSecurityContext { FsGroup = 472 });
        Assert.Equal(Causes.PermissionDenied, d.Cause);
        Assert.Contains(d.Remediation, r => r.Contains("add: [CHOWN]") && r.Contains("fsGroup 472"));
    }

    [Fact]
    public void TheCapabilityStepIsAbsentWhenTheCapabilityIsAddedBack()
    {
        var d = new Crash { Init = true, Log = "chown: /data: Operation not permitted", SecurityContext = new V1SecurityContext { RunAsUser = 0, Capabilities = new V1Capabilities { Drop = ["ALL"], Add = ["CHOWN"] } } }.Classify();
        Assert.DoesNotContain(d.Findings, f => f.Kind == FindingKinds.DroppedCapability);
    }

    [Fact]
    public void TheCapabilityStepIsAbsentForANonRootUser()
    {
        var d = new Crash { Log = "chown: /data: Operation not permitted", SecurityContext = new V1SecurityContext { RunAsUser = 1000, Capabilities = new V1Capabilities { Drop = ["ALL"] } } }.Classify();
        Assert.DoesNotContain(d.Findings, f => f.Kind == FindingKinds.DroppedCapability);
    }
}
