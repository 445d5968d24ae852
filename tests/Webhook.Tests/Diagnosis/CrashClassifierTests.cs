using k8s.Models;
using Webhook.Diagnosis;

namespace Webhook.Tests.Diagnosis;

public class CrashClassifierTests
{
    [Fact]
    public void StructuredOomKillOutranksAnExceptionInTheLog()
    {
        var d = new Crash { ExitCode = 137, Reason = "OOMKilled", MemoryLimit = "512Mi", Log = "java.lang.IllegalStateException: boom\n\tat Foo.bar(Foo.java:1)" }.Classify();
        Assert.Equal(Causes.OomKilled, d.Cause);
        Assert.Equal("SIGKILL", d.Signal);
        Assert.Contains(d.Remediation, r => r.Contains("512Mi") && r.Contains("768Mi"));
    }

    [Fact]
    public void OomOnAnAlreadyLargeLimitPointsAtALeak()
    {
        var d = new Crash { ExitCode = 137, Reason = "OOMKilled", MemoryLimit = "8Gi" }.Classify();
        Assert.Contains(d.Remediation, r => r.Contains("leak"));
        Assert.Contains(d.Remediation, r => r.Contains("12Gi"));
    }

    [Fact]
    public void DotnetUnhandledExceptionWithSigabrtIsAnApplicationError()
    {
        var d = new Crash
        {
            ExitCode = 134,
            Log = "Unhandled exception. System.InvalidOperationException: Sequence contains no elements\n   at System.Linq.ThrowHelper.ThrowNoElementsException()\n   at Program.<Main>$(String[] args) in /src/Program.cs:line 9",
        }.Classify();
        Assert.Equal(Causes.ApplicationError, d.Cause);
        Assert.Equal("SIGABRT", d.Signal);
    }

    [Fact]
    public void NodeHeapExhaustionWithSigabrtIsRuntimeOutOfMemory()
    {
        var d = new Crash { ExitCode = 134, MemoryLimit = "1Gi", Log = "<--- Last few GCs --->\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n 1: 0xb7a940 node::Abort() [node]" }.Classify();
        Assert.Equal(Causes.RuntimeOutOfMemory, d.Cause);
        Assert.Contains(d.Remediation, r => r.Contains("max-old-space-size"));
    }

    [Fact]
    public void ProbeKillOutranksACleanLookingExit()
    {
        var d = new Crash
        {
            ExitCode = 0, Reason = "Completed", Ran = TimeSpan.FromSeconds(41),
            Liveness = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/healthz", Port = "9090" }, InitialDelaySeconds = 5, PeriodSeconds = 10, FailureThreshold = 3 },
            Log = "INFO Listening on :8080\nINFO received SIGTERM, shutting down",
            Events =
            [
                Crash.Event("Unhealthy", "Liveness probe failed: Get \"http://10.1.2.3:9090/healthz\": dial tcp 10.1.2.3:9090: connect: connection refused", 25),
                Crash.Event("Killing", "Container app failed liveness probe, will be restarted", 40, "Normal"),
            ],
        }.Classify();
        Assert.Equal(Causes.ProbeFailure, d.Cause);
        Assert.Contains(d.Remediation, r => r.Contains("= 35s") && r.Contains("ran 41s"));
        Assert.Contains(d.Remediation, r => r.Contains("port 9090") && r.Contains("8080"));
        Assert.Contains(d.Commands, c => c.Contains("livenessProbe"));
    }

    [Fact]
    public void MissingVariableRemediationNamesTheVariableAndTheEnvSources()
    {
        var d = new Crash
        {
            Log = "Traceback (most recent call last):\n  File \"/app/main.py\", line 3, in <module>\n    url = os.environ[\"DATABASE_URL\"]\nKeyError: 'DATABASE_URL'",
            Env = [new V1EnvVar { Name = "LOG_LEVEL", Value = "info" }],
            EnvFrom = [new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = "api-config" } }],
        }.Classify();
        Assert.Equal(Causes.ConfigError, d.Cause);
        Assert.Contains(d.Remediation, r => r.Contains("does not set DATABASE_URL") && r.Contains("configmap/api-config"));
    }

    [Fact]
    public void MissingSecretRemediationSaysWhereTheSpecUsesIt()
    {
        var d = new Crash
        {
            NoTerminated = true, WaitingReason = "CreateContainerConfigError",
            WaitingMessage = "couldn't find key password in Secret shop/db-credentials",
            Env = [new V1EnvVar { Name = "DB_PASSWORD", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "db-credentials", Key = "password" } } }],
        }.Classify();
        Assert.Equal(Causes.ConfigError, d.Cause);
        Assert.Contains(d.Remediation, r => r.Contains("key password in secret db-credentials") && r.Contains("env DB_PASSWORD"));
    }

    [Fact]
    public void AnAlertWithoutAPodIsUnknownAndSaysThePodIsMissing()
    {
        var d = new CrashClassifier().Classify(Webhook.Collect.PodSnapshot.AlertOnly("shop", "api-7d9f", "app", "pod no longer exists"));
        Assert.Equal(Causes.Unknown, d.Cause);
        Assert.Contains(d.Missing, m => m.Contains("pod object"));
        Assert.Contains("pod no longer exists", d.Missing);
    }

    [Fact]
    public void PermissionRemediationShowsTheSecurityContext()
    {
        var d = new Crash
        {
            Log = "Error: EACCES: permission denied, open '/data/app.db'",
            SecurityContext = new V1SecurityContext { RunAsUser = 1000, ReadOnlyRootFilesystem = true },
        }.Classify();
        Assert.Equal(Causes.PermissionDenied, d.Cause);
        Assert.Contains(d.Remediation, r => r.Contains("runAsUser=1000") && r.Contains("readOnlyRootFilesystem=True", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(d.Remediation, r => r.Contains("emptyDir at /data"));
    }

    [Fact]
    public void DependencyRemediationNamesTheHostAndPortTried()
    {
        var d = new Crash { Log = "2026/11/24 20:00:01 failed to connect: dial tcp 10.0.0.7:5432: connect: connection refused" }.Classify();
        Assert.Equal(Causes.DependencyUnavailable, d.Cause);
        Assert.Contains(d.Remediation, r => r.Contains("10.0.0.7:5432"));
    }

    [Fact]
    public void ExitOneWithAnEmptyLogIsUnknownAndSaysWhatIsMissing()
    {
        var d = new Crash { ExitCode = 1 }.Classify();
        Assert.Equal(Causes.Unknown, d.Cause);
        Assert.Contains(d.Missing, m => m.Contains("empty log"));
        Assert.Contains(d.Missing, m => m == "events");
    }

    [Fact]
    public void EveryDiagnosisListsTwoOrThreeKubectlCommands()
    {
        foreach (var crash in new[] { new Crash(), new Crash { ExitCode = 139 }, new Crash { ExitCode = 0, Reason = "Completed" }, new Crash { ExitCode = 137, Reason = "OOMKilled" } })
        {
            var commands = crash.Classify().Commands;
            Assert.InRange(commands.Count, 2, 3);
            Assert.All(commands, c => Assert.StartsWith("kubectl ", c));
        }
    }

    [Fact]
    public void EvidenceQuotesTheStatusAndTheDecisiveLine()
    {
        var d = new Crash { Log = "INFO boot\npanic: open /etc/app/config.yaml: no such file or directory" }.Classify();
        Assert.Equal(Causes.ConfigError, d.Cause);
        Assert.Contains(d.Evidence, e => e.Source == "pod.status" && e.Text.Contains("exitCode=1"));
        Assert.Contains(d.Evidence, e => e.Source == "log" && e.Text == "panic: open /etc/app/config.yaml: no such file or directory");
    }

    [Fact]
    public void ARustPanicIsQuotedWithTheMessageOnItsNextLine()
    {
        var d = new Crash { ExitCode = 101, Log = "thread 'main' panicked at src/main.rs:14:38:\ncalled `Option::unwrap()` on a `None` value\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace" }.Classify();
        Assert.Equal(Causes.ApplicationError, d.Cause);
        Assert.Contains("src/main.rs:14:38: called `Option::unwrap()` on a `None` value", d.Summary);
    }

    [Fact]
    public void SuggestedMemoryLimitsAreTidySizes()
    {
        Assert.Equal("384Mi", Remedies.Suggest(256L << 20, 1.5));
        Assert.Equal("160Mi", Remedies.Suggest(100L << 20, 1.5));
        Assert.Equal("1536Mi", Remedies.Suggest(1L << 30, 1.5));
        Assert.Equal("3Gi", Remedies.Suggest(2L << 30, 1.5));
    }

    [Fact]
    public void ExitCodeSignalNamesFollowOneTwentyEightPlusN()
    {
        Assert.Equal("SIGKILL", Signals.ForExitCode(137));
        Assert.Equal("SIGTERM", Signals.ForExitCode(143));
        Assert.Null(Signals.ForExitCode(1));
        Assert.Null(Signals.ForExitCode(128));
    }
}
