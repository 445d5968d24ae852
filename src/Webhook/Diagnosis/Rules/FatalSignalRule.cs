namespace Webhook.Diagnosis;

/// <summary>
/// The process died on a fatal signal of its own: 139 SIGSEGV, 135 SIGBUS, 132 SIGILL, 136 SIGFPE, 134 SIGABRT.
/// SIGABRT is weak evidence: .NET unhandled exceptions and Node heap exhaustion abort too, so the log may outrank it.
/// </summary>
public sealed class FatalSignalRule : ICrashRule
{
    public RuleMatch? Evaluate(CrashFacts facts)
    {
        var confidence = facts.ExitCode switch
        {
            139 => 0.8,
            132 or 135 or 136 => 0.75,
            134 => 0.5,
            _ => 0.0,
        };
        if (confidence == 0 || facts.Terminated?.Reason == "OOMKilled")
            return null;
        var signal = Signals.ForExitCode(facts.ExitCode);
        return new RuleMatch(Causes.NativeCrash, confidence, $"The process in {facts.ContainerName} crashed on {signal} (exit {facts.ExitCode}).")
        {
            Evidence = [new("pod.status", StatusText.Terminated(facts))],
            Detail = signal,
            Rule = nameof(FatalSignalRule),
        };
    }
}
