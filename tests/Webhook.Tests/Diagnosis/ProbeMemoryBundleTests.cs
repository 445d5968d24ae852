using k8s.Models;
using Webhook.Bundles;
using Webhook.Diagnosis;
using static Webhook.Tests.Diagnosis.ProbeFindingTests;

namespace Webhook.Tests.Diagnosis;

/// <summary>One bundle on disk per probe and memory mechanism: the findings and steps survive the JSON round trip of pod.json and events.json.</summary>
public class ProbeMemoryBundleTests
{
    static CrashDiagnosis Diagnose(Crash crash)
    {
        using var bundle = TempBundle.From(crash);
        return new CrashClassifier().Classify(BundleReader.Read(bundle.Path));
    }

    static V1EnvVar Env(string name, string value) => new() { Name = name, Value = value };

    [Fact]
    public void Probe404()
    {
        var d = Diagnose(Killed("HTTP probe failed with statuscode: 404", Http("/healthz")) with { Readiness = Http("/ready") });
        Assert.Contains(d.Findings, f => f.Kind == FindingKinds.ProbeHttpStatus && f.Get("status") == "404" && f.Get("path") == "/healthz");
        Assert.Contains(d.Remediation, r => r.Contains("point the liveness probe at /ready"));
        Assert.Contains("/livenessProbe/httpGet/path", d.Change?.Command);
    }

    [Fact]
    public void ProbeRefused()
    {
        var d = Diagnose(Killed("dial tcp 10.1.2.3:9090: connect: connection refused", Http("/healthz", "9090")) with { Log = "INFO server listening on :8080\n" });
        Assert.Contains(d.Findings, f => f.Kind == FindingKinds.ProbeRefused && f.Get("port") == "9090");
        Assert.Contains(d.Remediation, r => r.Contains("listens on port 8080") && r.Contains("port 9090"));
    }

    [Fact]
    public void ProbeTimeout()
    {
        var d = Diagnose(Killed("Get \"http://10.1.2.3:8080/healthz\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)", Http("/healthz", timeout: 1)));
        Assert.Contains(d.Findings, f => f.Kind == FindingKinds.ProbeTimeout && f.Get("timeoutSeconds") == "1");
        Assert.Contains(d.Remediation, r => r.Contains("Raise livenessProbe.timeoutSeconds to 5"));
    }

    [Fact]
    public void ProbeExecFailure()
    {
        var d = Diagnose(Killed("pg_isready: /var/run/postgresql:5432 - no response", Exec(5, "pg_isready", "-U", "postgres")));
        Assert.Contains(d.Findings, f => f.Kind == FindingKinds.ProbeExecFailed && f.Get("command") == "pg_isready -U postgres");
        Assert.Contains(d.Remediation, r => r.Contains("/var/run/postgresql:5432 - no response"));
    }

    [Fact]
    public void ProbeSlowStart()
    {
        var log = "2026-11-24 20:00:44.000  INFO 1 --- [main] com.example.App : Started App in 42.3 seconds (JVM running for 44.1)\n";
        var d = Diagnose(Killed("dial tcp 10.1.2.3:8080: connect: connection refused", Http("/healthz"), ran: 50) with { Log = log });
        Assert.Contains(d.Findings, f => f.Kind == FindingKinds.SlowStart && f.Get("startupSeconds") == "44.1");
        Assert.Contains(d.Remediation, r => r.Contains("add a startupProbe") && r.Contains("failureThreshold 8"));
    }

    [Fact]
    public void MemoryJvmHeapCap()
    {
        var d = Diagnose(new Crash
        {
            ExitCode = 1, MemoryLimit = "2Gi", Env = [Env("JAVA_OPTS", "-Xmx768m")], Deployment = "api",
            Log = "Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space",
        });
        Assert.Equal(Causes.RuntimeOutOfMemory, d.Cause);
        Assert.Contains(d.Findings, f => f.Kind == FindingKinds.HeapCap && f.Get("setting") == "-Xmx768m");
        Assert.Contains(d.Remediation, r => r.Contains("-Xmx1536m"));
        Assert.Equal("kubectl set env deployment/api -n shop -c app JAVA_OPTS=-Xmx1536m", d.Change?.Command);
    }

    [Fact]
    public void MemoryHeapCapAboveTheLimit()
    {
        var d = Diagnose(new Crash { ExitCode = 137, Reason = "OOMKilled", MemoryLimit = "1Gi", Env = [Env("ES_JAVA_OPTS", "-Xms2g -Xmx2g")] });
        Assert.Equal(Causes.OomKilled, d.Cause);
        Assert.Contains(d.Remediation, r => r.Contains("lower it to -Xmx512m (and -Xms512m with it)"));
    }

    [Fact]
    public void MemoryKernelOomWithoutALimit()
    {
        var d = Diagnose(new Crash { ExitCode = 137, Reason = "OOMKilled" });
        Assert.Contains(d.Findings, f => f.Kind == FindingKinds.MemoryLimit && f.Get("limit") == "none");
        Assert.Contains(d.Remediation, r => r.Contains("no memory limit") && r.Contains("peak"));
    }

    [Fact]
    public void MemoryNodeHeap()
    {
        var d = Diagnose(new Crash
        {
            ExitCode = 134, MemoryLimit = "3Gi", Env = [Env("NODE_OPTIONS", "--max-old-space-size=2048")],
            Log = "FATAL ERROR: Ineffective mark-compacts near heap limit Allocation failed - JavaScript heap out of memory",
        });
        Assert.Contains(d.Remediation, r => r.Contains("--max-old-space-size=2304"));
    }
}
