using Webhook.Diagnosis;

namespace Webhook.Tests.Diagnosis;

public class StructuredRuleTests
{
    [Fact]
    public void OomKilledReasonIsAnOomKill()
    {
        var match = new OomKilledRule().Evaluate(new Crash { ExitCode = 137, Reason = "OOMKilled", MemoryLimit = "256Mi" }.Facts());
        Assert.Equal(Causes.OomKilled, match?.Cause);
        Assert.Contains("256Mi", match!.Summary);
    }

    [Fact]
    public void AnErrorExitIsNotAnOomKill() =>
        Assert.Null(new OomKilledRule().Evaluate(new Crash { ExitCode = 1 }.Facts()));

    [Fact]
    public void LivenessKillDuringTheInstanceIsAProbeFailure()
    {
        var crash = new Crash
        {
            ExitCode = 137,
            Events =
            [
                Crash.Event("Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 500", 20),
                Crash.Event("Killing", "Container app failed liveness probe, will be restarted", 38, "Normal"),
            ],
        };
        var match = new ProbeKillRule().Evaluate(crash.Facts());
        Assert.Equal(Causes.ProbeFailure, match?.Cause);
        Assert.True(match!.Confidence > 0.9);
    }

    [Fact]
    public void ProbeEventsOutsideTheInstanceLifetimeCountOnlyAsAWeakAlternative()
    {
        var crash = new Crash { ExitCode = 137, Events = [Crash.Event("Killing", "Container app failed liveness probe, will be restarted", -3600, "Normal")] };
        var match = new ProbeKillRule().Evaluate(crash.Facts());
        Assert.True(match is null || match.Confidence < Certainty.Likely, "an earlier instance's probe kill is not this instance's cause");
        var d = crash.Classify();
        Assert.NotEqual(Causes.ProbeFailure, d.Cause);
        Assert.Contains(d.Alternatives, a => a.Cause == Causes.ProbeFailure);
    }

    [Fact]
    public void ProbeKillsOfASidecarDoNotCountForTheAppContainer()
    {
        var sidecarKill = Crash.Event("Killing", "Container istio-proxy failed liveness probe, will be restarted", 38, "Normal");
        sidecarKill.InvolvedObject.FieldPath = "spec.containers{istio-proxy}";
        var podLevel = Crash.Event("Killing", "Container istio-proxy failed liveness probe, will be restarted", 38, "Normal");
        podLevel.InvolvedObject.FieldPath = null;
        Assert.Null(new ProbeKillRule().Evaluate(new Crash { ExitCode = 137, Events = [sidecarKill, podLevel] }.Facts()));
    }

    [Fact]
    public void ReadinessProbeFailuresNeverExplainARestart()
    {
        var crash = new Crash { ExitCode = 137, Events = [Crash.Event("Unhealthy", "Readiness probe failed: connection refused")] };
        Assert.Null(new ProbeKillRule().Evaluate(crash.Facts()));
    }

    [Fact]
    public void SigkillWithoutReasonOrProbeIsProbablyAnOomKill()
    {
        var match = new SigkillRule().Evaluate(new Crash { ExitCode = 137, MemoryLimit = "512Mi" }.Facts());
        Assert.Equal(Causes.OomKilled, match?.Cause);
        Assert.True(match!.Confidence < 0.7);
    }

    [Fact]
    public void SigkillOnANodeUnderMemoryPressureIsAnOomKillWithTheNodeAsEvidence()
    {
        var snapshot = new Crash { ExitCode = 137 }.Snapshot() with { Node = new Webhook.Collect.NodeInfo { Name = "node-1", Pressure = ["MemoryPressure"] } };
        var match = new SigkillRule().Evaluate(CrashFacts.From(snapshot, new ClassifierOptions()));
        Assert.Equal(Causes.OomKilled, match?.Cause);
        Assert.Contains(match!.Evidence, e => e.Text.Contains("MemoryPressure"));
    }

    [Fact]
    public void SigkillAfterAnOutsideKillingEventIsNotBlamedOnMemory()
    {
        var crash = new Crash { ExitCode = 137, Events = [Crash.Event("Killing", "Stopping container app", 39, "Normal")] };
        Assert.Equal(Causes.Unknown, new SigkillRule().Evaluate(crash.Facts())?.Cause);
    }

    [Fact]
    public void ExecFormatErrorAtStartIsWrongArchitecture()
    {
        var crash = new Crash { ExitCode = 128, Reason = "StartError", Message = "failed to create containerd task: exec /app/server: exec format error" };
        Assert.Equal(Causes.WrongArchitecture, new StartFailureRule().Evaluate(crash.Facts())?.Cause);
    }

    [Fact]
    public void ExecutableNotFoundAtStartIsABadCommand()
    {
        var crash = new Crash
        {
            ExitCode = 128, Reason = "StartError",
            Message = "OCI runtime create failed: runc create failed: unable to start container process: exec: \"gunicorn\": executable file not found in $PATH: unknown",
        };
        var match = new StartFailureRule().Evaluate(crash.Facts());
        Assert.Equal(Causes.BadCommand, match?.Cause);
        Assert.Contains("gunicorn", match!.Summary);
    }

    [Fact]
    public void MissingSecretInCreateContainerConfigErrorIsAConfigError()
    {
        var crash = new Crash { NoTerminated = true, WaitingReason = "CreateContainerConfigError", WaitingMessage = "secret \"db-credentials\" not found" };
        var match = new MissingConfigRefRule().Evaluate(crash.Facts());
        Assert.Equal(Causes.ConfigError, match?.Cause);
        Assert.Contains("db-credentials", match!.Summary);
    }

    [Fact]
    public void RunAsNonRootAgainstARootImageIsAPermissionProblem()
    {
        var crash = new Crash { NoTerminated = true, WaitingReason = "CreateContainerConfigError", WaitingMessage = "container has runAsNonRoot and image will run as root" };
        Assert.Equal(Causes.PermissionDenied, new MissingConfigRefRule().Evaluate(crash.Facts())?.Cause);
    }

    [Theory]
    [InlineData(126)]
    [InlineData(127)]
    public void ShellNotFoundExitCodesAreABadCommand(int exitCode) =>
        Assert.Equal(Causes.BadCommand, new NotExecutableExitRule().Evaluate(new Crash { ExitCode = exitCode }.Facts())?.Cause);

    [Fact]
    public void ExitZeroUnderRestartPolicyAlwaysIsACleanExit() =>
        Assert.Equal(Causes.CleanExit, new CleanExitRule().Evaluate(new Crash { ExitCode = 0, Reason = "Completed" }.Facts())?.Cause);

    [Fact]
    public void ExitZeroOfAnInitContainerIsItsJobDone() =>
        Assert.Null(new CleanExitRule().Evaluate(new Crash { ExitCode = 0, Reason = "Completed", Init = true }.Facts()));

    [Fact]
    public void ExitZeroUnderRestartPolicyOnFailureIsNotACrash() =>
        Assert.Null(new CleanExitRule().Evaluate(new Crash { ExitCode = 0, Reason = "Completed", RestartPolicy = "OnFailure" }.Facts()));

    [Fact]
    public void SegfaultExitIsANativeCrash()
    {
        var match = new FatalSignalRule().Evaluate(new Crash { ExitCode = 139 }.Facts());
        Assert.Equal(Causes.NativeCrash, match?.Cause);
        Assert.Contains("SIGSEGV", match!.Summary);
    }

    [Fact]
    public void SigabrtAloneIsOnlyWeakEvidenceOfANativeCrash() =>
        Assert.True(new FatalSignalRule().Evaluate(new Crash { ExitCode = 134 }.Facts())!.Confidence < 0.55);
}
