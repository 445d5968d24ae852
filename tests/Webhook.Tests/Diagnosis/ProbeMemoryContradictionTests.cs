using k8s.Models;
using Webhook.Collect;
using Webhook.Diagnosis;
using static Webhook.Tests.Diagnosis.ProbeFindingTests;

namespace Webhook.Tests.Diagnosis;

/// <summary>
/// For each probe and memory step: a snapshot with the step's trigger shows it, and the same snapshot with the
/// fact that contradicts it does not. (The tests in ProbeFindingTests and MemoryFindingTests cover the rest.)
/// </summary>
public class ProbeMemoryContradictionTests
{
    static V1EnvVar Env(string name, string value) => new() { Name = name, Value = value };

    static bool Says(CrashDiagnosis d, string text) => d.Remediation.Any(r => r.Contains(text, StringComparison.Ordinal));

    // ---- probes ----

    [Fact]
    public void A404SaysNeitherUnhealthyNorAuthentication()
    {
        var d = (Killed("HTTP probe failed with statuscode: 404", Http("/healthz")) with { Readiness = Http("/ready") }).Classify();
        Assert.False(Says(d, "reports itself unhealthy"));
        Assert.False(Says(d, "authentication"));
        Assert.False(Says(d, "none of these paths"));
        Assert.False(Says(d, "httpGet.path to the route"));
    }

    [Fact]
    public void AnAuthenticationStatusIsNamedOnlyForThatStatus()
    {
        Assert.True(Says(Killed("HTTP probe failed with statuscode: 401", Http("/healthz")).Classify(), "wants authentication"));
        Assert.False(Says(Killed("HTTP probe failed with statuscode: 500", Http("/healthz")).Classify(), "wants authentication"));
    }

    [Fact]
    public void A500IsNotCalledAMissingRoute()
    {
        var d = (Killed("HTTP probe failed with statuscode: 500", Http("/healthz")) with { Readiness = Http("/ready") }).Classify();
        Assert.True(Says(d, "reports itself unhealthy"));
        Assert.False(Says(d, "no such route"));
        Assert.False(Says(d, "point the liveness probe at /ready"));
        Assert.False(Says(d, "uses the same"));
    }

    [Fact]
    public void LocalhostAdviceOnlyForAnAppBoundToLoopback()
    {
        var d = (Killed("dial tcp 10.1.2.3:8080: connect: connection refused", Http("/healthz")) with { Log = "INFO Listening on http://0.0.0.0:8080\n" }).Classify();
        Assert.False(Says(d, "make it listen on 0.0.0.0"));
    }

    [Fact]
    public void APortMismatchIsNamedOnlyWhenTheDeclaredPortsLackTheProbePort()
    {
        var mismatch = Killed("dial tcp 10.1.2.3:9090: connect: connection refused", Http("/healthz", "9090"), ran: 600).Classify();
        Assert.True(Says(mismatch, "declares ports 8080"));
        var declared = (Killed("dial tcp 10.1.2.3:9090: connect: connection refused", Http("/healthz", "9090"), ran: 600)
            with { Ports = [new V1ContainerPort { ContainerPort = 9090 }] }).Classify();
        Assert.False(Says(declared, "declares ports"));
    }

    [Fact]
    public void AListenerThatStoppedIsNotSaidOfAnAppThatWasStillStarting()
    {
        var d = (Killed("dial tcp 10.1.2.3:8080: connect: connection refused", Http("/healthz"), ran: 40) with { Log = "INFO loading plugins\n" }).Classify();
        Assert.False(Says(d, "listener stopped"));
        Assert.Single(d.Findings, f => f.Kind == FindingKinds.SlowStart && f.Get("lowerBound") == "true");
        Assert.True(Says(d, "add a startupProbe"));
    }

    [Fact]
    public void A503UntilTheKillWithNoReadyLineIsASlowStartButA404IsNot()
    {
        var starting = (Killed("HTTP probe failed with statuscode: 503", Http("/health", delay: 60, failures: 6), ran: 125) with { Log = "INFO Running database migrations\n" }).Classify();
        Assert.Single(starting.Findings, f => f.Kind == FindingKinds.SlowStart && f.Get("lowerBound") == "true");
        Assert.True(Says(starting, "add a startupProbe"));
        Assert.False(Says(starting, "reports itself unhealthy"));
        Assert.False(Says(starting, "Keep checks of databases"));
        var missing = (Killed("HTTP probe failed with statuscode: 404", Http("/health", delay: 60, failures: 6), ran: 125) with { Log = "INFO Running database migrations\n" }).Classify();
        Assert.DoesNotContain(missing.Findings, f => f.Kind == FindingKinds.SlowStart);
        Assert.False(Says(missing, "startupProbe"));
    }

    [Fact]
    public void AShortTimeoutIsNotCalledGenerous()
    {
        var d = Killed("Get \"http://10.1.2.3:8080/healthz\": context deadline exceeded", Http("/healthz", timeout: 1)).Classify();
        Assert.False(Says(d, "already generous"));
        Assert.False(Says(d, "last warning"));
    }

    [Fact]
    public void StartUpWarningsAreNotQuotedAsTheLastWarningBeforeTheRestart()
    {
        var log = "WARNING Memory overcommit must be enabled\nINFO ready\nINFO a\nINFO b\nINFO c\nINFO d\n";
        var d = (Killed("Get \"http://10.1.2.3:8080/healthz\": context deadline exceeded", Http("/healthz", timeout: 10)) with { Log = log }).Classify();
        Assert.False(Says(d, "overcommit"));
        var late = (Killed("Get \"http://10.1.2.3:8080/healthz\": context deadline exceeded", Http("/healthz", timeout: 10))
            with { Log = log + "WARN slow query ListOrders took 41.3s\nINFO e\n" }).Classify();
        Assert.True(Says(late, "`WARN slow query ListOrders took 41.3s`"));
    }

    [Fact]
    public void AnExecCommandThatRunsIsNotSaidToBeMissing()
    {
        var d = Killed("ERROR: replication lag 120s", Exec(1, "/bin/check")).Classify();
        Assert.False(Says(d, "cannot run"));
    }

    [Fact]
    public void SchemeAdviceFollowsTheErrorTheKubeletReports()
    {
        var https = (Killed("Get \"https://10.1.2.3:8080/healthz\": http: server gave HTTP response to HTTPS client", Http("/healthz"))).Classify();
        Assert.True(Says(https, "scheme to HTTP"));
        Assert.False(Says(https, "scheme to HTTPS"));
    }

    [Fact]
    public void TheFallbackStartupProbeAdviceIsNotGivenWhenAStartupProbeExists()
    {
        // Only the Killing event: the kubelet's Unhealthy messages are gone, so how the probe failed is unknown.
        var bare = new Crash
        {
            ExitCode = 137, Ran = TimeSpan.FromSeconds(40), Liveness = Http("/healthz"),
            Events = [Crash.Event("Killing", "Container app failed liveness probe, will be restarted", 40, "Normal")],
        };
        Assert.True(Says(bare.Classify(), "add a startupProbe"));
        Assert.False(Says((bare with { Startup = Http("/healthz", failures: 30) }).Classify(), "startupProbe"));
    }

    // ---- memory ----

    const string JavaHeap = "Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space";

    static Crash Kernel(string? limit, params V1EnvVar[] env) => new() { ExitCode = 137, Reason = "OOMKilled", MemoryLimit = limit, Env = env, Log = "INFO working" };

    [Fact]
    public void NoLimitAdviceForAContainerThatHasALimit()
    {
        Assert.False(Says(Kernel("512Mi").Classify(), "no memory limit"));
    }

    [Fact]
    public void APercentageWithoutALimitIsFlaggedOnlyWithoutALimit()
    {
        Assert.True(Says(Kernel(null, Env("JAVA_OPTS", "-XX:MaxRAMPercentage=75")).Classify(), "sizes the heap from the node's RAM"));
        Assert.False(Says(Kernel("4Gi", Env("JAVA_OPTS", "-XX:MaxRAMPercentage=50")).Classify(), "node's RAM"));
    }

    [Fact]
    public void AnAddedLimitIsNotCalledACut()
    {
        var d = (Kernel("256Mi") with { Workload = new WorkloadInfo { Kind = "Deployment", Name = "api", Revision = "3", Changes = ["app: memory limit none → 256Mi"] } }).Classify();
        Assert.True(Says(d, "revision 3 added the 256Mi memory limit"));
        Assert.False(Says(d, "cut the memory limit"));
    }

    [Fact]
    public void ARaisedLimitIsNotCalledACut()
    {
        var d = (Kernel("512Mi") with { Workload = new WorkloadInfo { Kind = "Deployment", Name = "api", Revision = "4", Changes = ["app: memory limit 256Mi → 512Mi"] } }).Classify();
        Assert.False(Says(d, "cut the memory limit"));
        Assert.True(Says(d, "from 512Mi to 768Mi"));
    }

    [Fact]
    public void ARoomyHeapIsNotSaidToLeaveTooLittleAndATightOneIsNotCalledRoomy()
    {
        var roomy = Kernel("2Gi", Env("JAVA_OPTS", "-Xmx512m")).Classify();
        Assert.False(Says(roomy, "leaves"));
        var tight = Kernel("1Gi", Env("JAVA_OPTS", "-Xmx900m")).Classify();
        Assert.False(Says(tight, "well below"));
        Assert.True(Says(tight, "lower it to -Xmx768m"));
    }

    [Fact]
    public void AnUnknownHeapValueIsNotCompared()
    {
        var fromSecret = new V1EnvVar { Name = "JAVA_TOOL_OPTIONS", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "jvm", Key = "opts" } } };
        var d = Kernel("2Gi", fromSecret).Classify();
        Assert.True(Says(d, "JAVA_TOOL_OPTIONS comes from secret jvm key opts"));
        Assert.False(Says(d, "lower it"));
        Assert.False(Says(d, "well below"));
    }

    [Fact]
    public void NodeRuntimeAdviceWithoutACapOnly()
    {
        const string heap = "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory";
        var none = new Crash { ExitCode = 134, MemoryLimit = "1Gi", Log = heap }.Classify();
        Assert.True(Says(none, "NODE_OPTIONS=--max-old-space-size=768"));
        var capped = new Crash { ExitCode = 134, MemoryLimit = "1Gi", Log = heap, Env = [Env("NODE_OPTIONS", "--max-old-space-size=512")] }.Classify();
        Assert.False(Says(capped, "sets no --max-old-space-size"));
    }

    [Fact]
    public void MetaspaceAndDirectMemoryAreNotTheHeap()
    {
        var meta = new Crash { MemoryLimit = "2Gi", Env = [Env("JAVA_OPTS", "-Xmx512m")], Log = "java.lang.OutOfMemoryError: Metaspace" }.Classify();
        Assert.True(Says(meta, "MaxMetaspaceSize"));
        Assert.False(Says(meta, "-Xmx1536m"));
        var direct = new Crash { MemoryLimit = "2Gi", Log = "java.lang.OutOfMemoryError: Direct buffer memory" }.Classify();
        Assert.True(Says(direct, "MaxDirectMemorySize"));
        Assert.False(Says(direct, "MaxRAMPercentage"));
    }

    [Fact]
    public void GomemlimitIsSuggestedOnlyWhenItIsNotSet()
    {
        const string go = "fatal error: runtime: out of memory\n\ngoroutine 1 [running]:";
        Assert.True(Says(new Crash { ExitCode = 2, MemoryLimit = "1Gi", Log = go }.Classify(), "Set GOMEMLIMIT=921MiB"));
        var set = new Crash { ExitCode = 2, MemoryLimit = "1Gi", Log = go, Env = [Env("GOMEMLIMIT", "900MiB")] }.Classify();
        Assert.False(Says(set, "Set GOMEMLIMIT="));
        Assert.True(Says(set, "env GOMEMLIMIT=900MiB"));
    }

    [Fact]
    public void ASmallPythonAllocationIsNotCalledLargerThanTheLimit()
    {
        const string big = "numpy.core._exceptions._ArrayMemoryError: Unable to allocate 5.37 GiB for an array with shape (720000, 1000) and data type float64\nMemoryError: Unable to allocate 5.37 GiB for an array";
        Assert.True(Says(new Crash { MemoryLimit = "3584Mi", Log = big }.Classify(), "more than the whole 3584Mi limit"));
        var small = new Crash { MemoryLimit = "3584Mi", Log = "MemoryError: Unable to allocate 20.0 MiB for an array" }.Classify();
        Assert.False(Says(small, "more than the whole"));
    }

    [Fact]
    public void AHeapCapInTheSpecIsNotReportedForAJvmWithoutOne()
    {
        var d = new Crash { MemoryLimit = "2Gi", Log = JavaHeap }.Classify();
        Assert.DoesNotContain(d.Findings, f => f.Kind == FindingKinds.HeapCap);
        Assert.True(Says(d, "sets no heap size"));
    }
}
