namespace Webhook.Diagnosis;

/// <summary>Shell exit codes 126 (found but not executable) and 127 (command not found).</summary>
public sealed class NotExecutableExitRule : ICrashRule
{
    public RuleMatch? Evaluate(CrashFacts facts)
    {
        if (facts.ExitCode is not (126 or 127) || facts.Terminated?.Reason == "OOMKilled")
            return null;
        var what = facts.ExitCode == 126 ? "is not executable (exit 126)" : "was not found (exit 127)";
        return new RuleMatch(Causes.BadCommand, 0.85, $"The command of {facts.ContainerName} {what}.")
        {
            Evidence = [new("pod.status", StatusText.Terminated(facts))],
            Detail = facts.Terminated?.Message,
            Rule = nameof(NotExecutableExitRule),
        };
    }
}
