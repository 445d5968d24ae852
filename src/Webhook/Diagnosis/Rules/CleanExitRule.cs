namespace Webhook.Diagnosis;

/// <summary>Exit code 0 under restartPolicy Always: the main process simply finished and is started again.</summary>
public sealed class CleanExitRule : ICrashRule
{
    public RuleMatch? Evaluate(CrashFacts facts)
    {
        if (facts.ExitCode != 0 || facts.Terminated?.Reason is "OOMKilled" or "StartError")
            return null;
        // An init container that exits 0 did its job; only a sidecar (restartPolicy Always) must keep running.
        var mustKeepRunning = facts.IsInitContainer ? facts.Spec?.RestartPolicy == "Always" : facts.RestartPolicy == "Always";
        if (!mustKeepRunning)
            return null;
        var ran = facts.RunTime is { } t ? $" after {StatusText.Duration(t)}" : "";
        return new RuleMatch(Causes.CleanExit, 0.85,
            $"The main process of {facts.ContainerName} exits with code 0{ran} and restartPolicy Always starts it again: it is not a long-running foreground process.")
        {
            Evidence = [new("pod.status", StatusText.Terminated(facts)), new("pod.status", $"spec.restartPolicy: {facts.RestartPolicy}")],
            Rule = nameof(CleanExitRule),
        };
    }
}
