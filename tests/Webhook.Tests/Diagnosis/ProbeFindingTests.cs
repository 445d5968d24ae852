using k8s.Models;
using Webhook.Diagnosis;

namespace Webhook.Tests.Diagnosis;

/// <summary>
/// Probe kills: the finding says how the probe failed, the steps are written from it, and each step has a test
/// with the contradicting fact in the snapshot that asserts the step is gone.
/// </summary>
public class ProbeFindingTests
{
    internal static V1Probe Http(string path, string port = "8080", int period = 10, int failures = 3, int delay = 0, int timeout = 1) => new()
    {
        HttpGet = new V1HTTPGetAction { Path = path, Port = port }, PeriodSeconds = period, FailureThreshold = failures, InitialDelaySeconds = delay, TimeoutSeconds = timeout,
    };

    internal static V1Probe Exec(int timeout, params string[] command) => new()
    {
        Exec = new V1ExecAction { Command = command }, PeriodSeconds = 10, FailureThreshold = 3, TimeoutSeconds = timeout,
    };

    /// <summary>A container the kubelet killed after its liveness (or startup) probe failed with this message.</summary>
    internal static Crash Killed(string failure, V1Probe? liveness = null, string probe = "Liveness", int ran = 95) => new()
    {
        ExitCode = 137,
        Reason = "Error",
        Ran = TimeSpan.FromSeconds(ran),
        Liveness = liveness,
        Deployment = "api",
        Events =
        [
            Crash.Event("Unhealthy", $"{probe} probe failed: {failure}", ran - 20),
            Crash.Event("Killing", $"Container app failed {probe.ToLowerInvariant()} probe, will be restarted", ran, "Normal"),
        ],
    };

    static readonly string[] GenericProbeAdvice = ["timeoutSeconds", "startupProbe", "hung", "deadlock"];

    // ---- HTTP status ----

    [Fact]
    public void ALiveness404WhileReadinessUsesReadyPointsLivenessAtReady()
    {
        var d = (Killed("HTTP probe failed with statuscode: 404", Http("/healthz")) with { Readiness = Http("/ready") }).Classify();
        Assert.Equal(Causes.ProbeFailure, d.Cause);
        var f = Assert.Single(d.Findings, f => f.Kind == FindingKinds.ProbeHttpStatus);
        Assert.Equal("404", f.Get("status"));
        Assert.Equal("/healthz", f.Get("path"));
        Assert.Equal("8080", f.Get("port"));
        Assert.Contains(d.Remediation, r => r.Contains("/healthz") && r.Contains("point the liveness probe at /ready"));
        Assert.NotNull(d.Change);
        Assert.StartsWith("kubectl patch deployment/api -n shop --type=json -p '", d.Change!.Command);
        Assert.Contains("\"path\":\"/spec/template/spec/containers/0/livenessProbe/httpGet/path\",\"value\":\"/ready\"", d.Change.Command);
        Assert.Contains("{\"op\":\"test\",\"path\":\"/spec/template/spec/containers/0/name\",\"value\":\"app\"}", d.Change.Command);
    }

    [Fact]
    public void EveryProbeOnTheMissingPathMovesToTheWorkingOne()
    {
        var crash = Killed("HTTP probe failed with statuscode: 404", null, "Startup", ran: 160) with
        {
            Startup = Http("/live", failures: 15), Liveness = Http("/live"), Readiness = Http("/up"),
        };
        var d = crash.Classify();
        Assert.Contains(d.Remediation, r => r.Contains("point the startup and liveness probes at /up"));
        Assert.Contains("\"path\":\"/spec/template/spec/containers/0/startupProbe/httpGet/path\",\"value\":\"/up\"", d.Change!.Command);
        Assert.Contains("\"path\":\"/spec/template/spec/containers/0/livenessProbe/httpGet/path\",\"value\":\"/up\"", d.Change.Command);
        Assert.DoesNotContain("readinessProbe", d.Change.Command);
    }

    [Fact]
    public void A404GetsNoTimeoutStartupProbeOrHangAdvice()
    {
        var d = (Killed("HTTP probe failed with statuscode: 404", Http("/healthz", timeout: 1), ran: 25) with { Readiness = Http("/ready") }).Classify();
        foreach (var word in GenericProbeAdvice)
            Assert.DoesNotContain(d.Remediation, r => r.Contains(word, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void WhenTheReadinessPathFailsWith404TooItIsNotOfferedAsTheFix()
    {
        var crash = Killed("HTTP probe failed with statuscode: 404", Http("/live")) with { Readiness = Http("/ready") };
        crash.Events.Add(Crash.Event("Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 404", 70));
        var d = crash.Classify();
        Assert.DoesNotContain(d.Remediation, r => r.Contains("point the liveness probe at /ready"));
        Assert.Contains(d.Remediation, r => r.Contains("/live") && r.Contains("none of these paths"));
        Assert.Null(d.Change);
    }

    [Fact]
    public void A503SaysTheAppReportsItselfUnhealthyAndKeepsDependenciesOutOfLiveness()
    {
        var d = (Killed("HTTP probe failed with statuscode: 503", Http("/health")) with { Readiness = Http("/health") }).Classify();
        Assert.Contains(d.Remediation, r => r.Contains("HTTP 503") && r.Contains("/health"));
        Assert.Contains(d.Remediation, r => r.Contains("readiness probe uses the same /health"));
        Assert.DoesNotContain(d.Remediation, r => r.Contains("no such route"));
        Assert.Null(d.Change);
    }

    // ---- connection refused ----

    [Fact]
    public void ARefusedProbeNamesThePortTheAppListensOn()
    {
        var d = (Killed("Get \"http://10.1.2.3:9090/healthz\": dial tcp 10.1.2.3:9090: connect: connection refused", Http("/healthz", "9090")) with
        {
            Ports = [new V1ContainerPort { ContainerPort = 8080 }, new V1ContainerPort { ContainerPort = 9090 }],
            Log = "2026-11-24T20:00:03Z INFO starting\n2026-11-24T20:00:04Z INFO http server listening on :8080\n",
        }).Classify();
        Assert.Single(d.Findings, f => f.Kind == FindingKinds.ProbeRefused && f.Get("port") == "9090");
        Assert.Single(d.Findings, f => f.Kind == FindingKinds.ListeningPort && f.Get("port") == "8080");
        Assert.Contains(d.Remediation, r => r.Contains("listens on port 8080") && r.Contains("port 9090") && r.Contains("point the probe at port 8080"));
        Assert.Contains("\"path\":\"/spec/template/spec/containers/0/livenessProbe/httpGet/port\",\"value\":8080", d.Change!.Command);
    }

    [Fact]
    public void WhenTheAppListensOnTheProbePortNoPortChangeIsSuggested()
    {
        var d = (Killed("dial tcp 10.1.2.3:8080: connect: connection refused", Http("/healthz", "8080"), ran: 600) with
        {
            Log = "2026-11-24T20:00:04Z INFO http server listening on :8080\n",
        }).Classify();
        Assert.DoesNotContain(d.Remediation, r => r.Contains("point the probe at port"));
        Assert.Contains(d.Remediation, r => r.Contains("listener stopped"));
    }

    [Fact]
    public void AnAppBoundToLocalhostIsToldToListenOnAllAddresses()
    {
        var d = (Killed("dial tcp 10.1.2.3:8080: connect: connection refused", Http("/healthz", "8080")) with
        {
            Log = "2026-11-24T20:00:04Z INFO Listening on http://127.0.0.1:8080\n",
        }).Classify();
        Assert.Contains(d.Remediation, r => r.Contains("127.0.0.1:8080") && r.Contains("0.0.0.0"));
    }

    // ---- timeout ----

    [Fact]
    public void AnHttpTimeoutAtOneSecondRaisesTimeoutSecondsAndIsNotCalledAHang()
    {
        var d = Killed("Get \"http://10.1.2.3:8080/healthz\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)", Http("/healthz", timeout: 1)).Classify();
        var f = Assert.Single(d.Findings, f => f.Kind == FindingKinds.ProbeTimeout);
        Assert.Equal("1", f.Get("timeoutSeconds"));
        Assert.Contains(d.Remediation, r => r.Contains("Raise livenessProbe.timeoutSeconds to 5"));
        Assert.DoesNotContain(d.Remediation, r => r.Contains("hung", StringComparison.OrdinalIgnoreCase) || r.Contains("deadlock", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("\"path\":\"/spec/template/spec/containers/0/livenessProbe/timeoutSeconds\",\"value\":5", d.Change!.Command);
    }

    [Fact]
    public void AnExecProbeWithAnEmptyMessageTimedOutAtItsTimeout()
    {
        var d = Killed("", Exec(1, "redis-cli", "ping")).Classify();
        var f = Assert.Single(d.Findings, f => f.Kind == FindingKinds.ProbeTimeout);
        Assert.Equal("exec", f.Get("mechanism"));
        Assert.Contains(d.Remediation, r => r.Contains("timeoutSeconds of 1") && r.Contains("`redis-cli ping`") && r.Contains("to 5"));
        Assert.DoesNotContain(d.Remediation, r => r.Contains("hung", StringComparison.OrdinalIgnoreCase) || r.Contains("deadlock", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void AGenerousTimeoutIsNotRaisedFurther()
    {
        var d = Killed("Get \"http://10.1.2.3:8080/healthz\": context deadline exceeded", Http("/healthz", timeout: 10)).Classify();
        Assert.DoesNotContain(d.Remediation, r => r.Contains("Raise livenessProbe.timeoutSeconds"));
        Assert.Contains(d.Remediation, r => r.Contains("timeoutSeconds 10") && r.Contains("already generous"));
        Assert.Null(d.Change);
    }

    // ---- exec failure ----

    [Fact]
    public void AnExecProbeFailureQuotesTheCommandsOutput()
    {
        var d = Killed("sh: 1: redis-cli: not found", Exec(5, "sh", "-c", "redis-cli ping")).Classify();
        var f = Assert.Single(d.Findings, f => f.Kind == FindingKinds.ProbeExecFailed);
        Assert.Equal("sh: 1: redis-cli: not found", f.Get("output"));
        Assert.Contains(d.Remediation, r => r.Contains("`sh -c redis-cli ping` cannot run") && r.Contains("redis-cli: not found"));
        Assert.Contains(d.Remediation, r => r.Contains("kubectl exec api-7d9f -n shop -c app -- sh -c 'redis-cli ping'"));
    }

    [Fact]
    public void AnExecFailureWithOutputGetsNoTimeoutAdvice()
    {
        var d = Killed("ERROR: replication lag 120s", Exec(1, "/bin/check")).Classify();
        Assert.DoesNotContain(d.Findings, f => f.Kind == FindingKinds.ProbeTimeout);
        Assert.DoesNotContain(d.Remediation, r => r.Contains("timeoutSeconds to"));
        Assert.Contains(d.Remediation, r => r.Contains("replication lag 120s"));
    }

    [Fact]
    public void AnHttpErrorThatIsNeitherStatusRefusalNorTimeoutIsAProbeErrorNotAnExecFailure()
    {
        var d = Killed("Get \"http://10.1.2.3:8080/healthz\": read tcp 10.1.2.1:50312->10.1.2.3:8080: read: connection reset by peer", Http("/healthz")).Classify();
        var f = Assert.Single(d.Findings, f => f.Kind == FindingKinds.ProbeError);
        Assert.Equal("http", f.Get("mechanism"));
        Assert.DoesNotContain(d.Findings, f => f.Kind == FindingKinds.ProbeExecFailed);
        Assert.Contains(d.Remediation, r => r.Contains("connection reset by peer"));
    }

    [Fact]
    public void AProbeTheKubeletCouldNotRunIsReadFromErrored()
    {
        var crash = Killed("", Exec(1, "/bin/check")) with { };
        crash.Events[0] = Crash.Event("Unhealthy", "Liveness probe errored: rpc error: code = Unknown desc = failed to exec in container: container is in CONTAINER_EXITED state", 75);
        var d = crash.Classify();
        var f = Assert.Single(d.Findings, f => f.Kind == FindingKinds.ProbeExecFailed);
        Assert.Contains("CONTAINER_EXITED", f.Get("output"));
    }

    // ---- slow start ----

    const string SpringStart = "2026-11-24 20:00:01.100  INFO 1 --- [main] com.example.App : Starting App\n" +
                               "2026-11-24 20:00:44.000  INFO 1 --- [main] com.example.App : Started App in 42.3 seconds (JVM running for 44.1)\n";

    [Fact]
    public void AStartSlowerThanTheLivenessBudgetGetsAStartupProbeWithNumbers()
    {
        var d = (Killed("Get \"http://10.1.2.3:8080/healthz\": dial tcp 10.1.2.3:8080: connect: connection refused", Http("/healthz", period: 10, failures: 3), ran: 50)
            with { Log = SpringStart }).Classify();
        var slow = Assert.Single(d.Findings, f => f.Kind == FindingKinds.SlowStart);
        Assert.Equal("44.1", slow.Get("startupSeconds"));
        Assert.Equal("30", slow.Get("budgetSeconds"));
        Assert.Contains(d.Remediation, r => r.Contains("took 44.1s to start") && r.Contains("add a startupProbe") && r.Contains("failureThreshold 8") && r.Contains("80s"));
        Assert.Contains("\"op\":\"add\",\"path\":\"/spec/template/spec/containers/0/startupProbe\"", d.Change!.Command);
        Assert.Contains("\"failureThreshold\":8", d.Change.Command);
    }

    [Fact]
    public void NoStartupProbeIsAddedWhenOneExistsAndTheLivenessProbeIsTheFailingOne()
    {
        var d = (Killed("Get \"http://10.1.2.3:8080/healthz\": dial tcp 10.1.2.3:8080: connect: connection refused", Http("/healthz"), ran: 50)
            with { Log = SpringStart, Startup = Http("/healthz", failures: 30) }).Classify();
        Assert.DoesNotContain(d.Findings, f => f.Kind == FindingKinds.SlowStart);
        Assert.DoesNotContain(d.Remediation, r => r.Contains("add a startupProbe"));
    }

    [Fact]
    public void AStartWithinTheBudgetIsNotASlowStart()
    {
        var log = "2026-11-24 20:00:01.100  INFO 1 --- [main] com.example.App : Started App in 4.2 seconds (JVM running for 5.0)\n";
        var d = (Killed("Get \"http://10.1.2.3:8080/healthz\": context deadline exceeded", Http("/healthz"), ran: 50) with { Log = log }).Classify();
        Assert.Single(d.Findings, f => f.Kind == FindingKinds.StartupTime && f.Get("seconds") == "5");
        Assert.DoesNotContain(d.Findings, f => f.Kind == FindingKinds.SlowStart);
        Assert.DoesNotContain(d.Remediation, r => r.Contains("startupProbe"));
    }

    [Fact]
    public void AFailingStartupProbeGetsAHigherFailureThreshold()
    {
        var crash = Killed("Get \"http://10.1.2.3:8080/started\": dial tcp 10.1.2.3:8080: connect: connection refused", null, "Startup", ran: 37) with
        {
            Startup = Http("/started", period: 10, failures: 3, delay: 5),
            Liveness = Http("/live"),
            Log = "INFO exec java -jar app.jar\nINFO Starting controllers\n",
        };
        var d = crash.Classify();
        var slow = Assert.Single(d.Findings, f => f.Kind == FindingKinds.SlowStart);
        Assert.Equal("true", slow.Get("lowerBound"));
        Assert.Contains(d.Remediation, r => r.Contains("raise startupProbe.failureThreshold from 3 to 10") && r.Contains("105s"));
        Assert.DoesNotContain(d.Remediation, r => r.Contains("add a startupProbe"));
        Assert.Contains("\"path\":\"/spec/template/spec/containers/0/startupProbe/failureThreshold\",\"value\":10", d.Change!.Command);
    }

    [Fact]
    public void StartupTimeIsReadFromTheFirstListeningLinesTimestamp()
    {
        var facts = new Crash { Ran = TimeSpan.FromSeconds(60), Log = "2026-11-24T20:00:01Z booting\n2026-11-24T20:00:35.500Z INFO HTTP server listening on 0.0.0.0:3000\n" }.Facts();
        var log = StartupLog.Read(facts);
        Assert.Equal(35.5, log.StartupSeconds);
        Assert.Equal("3000", Assert.Single(log.Ports).Port);
    }

    [Theory]
    [InlineData("1:S 24 Nov 2026 20:00:28.117 * Ready to accept connections", 28.1)]
    [InlineData("2026/11/24 20:00:12 [notice] 1#1: start worker processes; server started", 12)]
    [InlineData("Tomcat Server startup in [9876] milliseconds", 9.9)]
    [InlineData("keycloak 24.0.2 on JVM (powered by Quarkus 3.8.3) started in 12.345s. Listening on: http://0.0.0.0:8080", 12.3)]
    public void StartupTimeIsReadFromCommonStartLines(string line, double seconds)
    {
        var facts = new Crash { Ran = TimeSpan.FromSeconds(60), Log = line + "\n" }.Facts();
        Assert.Equal(seconds, StartupLog.Read(facts).StartupSeconds);
    }

    [Fact]
    public void ATimestampOutsideTheInstancesLifetimeIsIgnored()
    {
        // A log in local time (UTC+2) would put the listening line two hours after the container started.
        var facts = new Crash { Ran = TimeSpan.FromSeconds(60), Log = "2026-11-24 22:00:20,000 INFO listening on :8080\n" }.Facts();
        Assert.Null(StartupLog.Read(facts).StartupSeconds);
    }

    // ---- hints ----

    [Fact]
    public void TheContainersOtherProbesAreListedAsFindings()
    {
        var d = (Killed("HTTP probe failed with statuscode: 500", Http("/healthz")) with { Readiness = Http("/ready", "9090") }).Classify();
        var other = Assert.Single(d.Findings, f => f.Kind == FindingKinds.OtherProbe);
        Assert.Equal("readiness", other.Get("probe"));
        Assert.Equal("/ready", other.Get("path"));
        Assert.Equal("9090", other.Get("port"));
    }

    [Fact]
    public void WithoutAnOwnerThereIsNoChangeToApply()
    {
        var d = (Killed("HTTP probe failed with statuscode: 404", Http("/healthz")) with { Readiness = Http("/ready"), Deployment = null }).Classify();
        Assert.Null(d.Change);
        Assert.Contains(d.Remediation, r => r.Contains("point the liveness probe at /ready"));
    }
}
