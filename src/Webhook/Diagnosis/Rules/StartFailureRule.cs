namespace Webhook.Diagnosis;

/// <summary>
/// The runtime could not start the process: terminated reason StartError / ContainerCannotRun, or waiting
/// reason RunContainerError / CreateContainerError, with the runtime's message ("exec format error",
/// "executable file not found in $PATH", "no such file or directory").
/// </summary>
public sealed class StartFailureRule : ICrashRule
{
    static readonly string[] TerminatedReasons = ["StartError", "ContainerCannotRun"];
    static readonly string[] WaitingReasons = ["RunContainerError", "CreateContainerError"];

    public RuleMatch? Evaluate(CrashFacts facts)
    {
        var fromTerminated = facts.Terminated?.Reason is { } r && TerminatedReasons.Contains(r);
        var fromWaiting = facts.Waiting?.Reason is { } w && WaitingReasons.Contains(w);
        if (!fromTerminated && !fromWaiting)
            return null;

        var message = (fromTerminated ? facts.Terminated!.Message : facts.Waiting!.Message) ?? "";
        Evidence evidence = fromTerminated ? new("pod.status", StatusText.Terminated(facts)) : new("pod.status", StatusText.Waiting(facts));

        if (message.Contains("exec format error", StringComparison.OrdinalIgnoreCase))
            return new RuleMatch(Causes.WrongArchitecture, 0.95,
                $"The image of {facts.ContainerName} holds a binary for another CPU architecture (exec format error).")
            { Evidence = [evidence], Detail = message, Rule = nameof(StartFailureRule) };

        var execProblem = ExecMessage.Describe(message);
        if (execProblem is null && message.Contains("permission denied", StringComparison.OrdinalIgnoreCase) && !message.Contains("exec", StringComparison.OrdinalIgnoreCase))
            return new RuleMatch(Causes.PermissionDenied, 0.8,
                $"The runtime could not start {facts.ContainerName}: permission denied while setting up the container.")
            { Evidence = [evidence], Detail = message, Rule = nameof(StartFailureRule) };

        return new RuleMatch(Causes.BadCommand, execProblem is null ? 0.7 : 0.93,
            $"The command of {facts.ContainerName} cannot be executed: {execProblem ?? Text.Clip(message, 160)}.")
        { Evidence = [evidence], Detail = message, Rule = nameof(StartFailureRule) };
    }
}
