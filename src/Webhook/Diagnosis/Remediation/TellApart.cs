namespace Webhook.Diagnosis;

/// <summary>
/// The first next step of an uncertain diagnosis: what would show the runner-up cause instead, checked with
/// commands against this pod, so on-call settles the question before acting on either.
/// </summary>
public static class TellApart
{
    public static string Step(string cause, string runnerUp, CrashFacts facts)
    {
        var pod = Shell.Quote(facts.PodName);
        var ns = Shell.Quote(facts.Namespace);
        var c = Shell.Quote(facts.ContainerName ?? "CONTAINER");
        var check = runnerUp switch
        {
            Causes.OomKilled => $"`kubectl describe pod {pod} -n {ns}` shows Last State reason OOMKilled, or memory near the limit in `kubectl top pod {pod} -n {ns} --containers`",
            Causes.ProbeFailure => $"the pod's events show \"failed liveness probe, will be restarted\" or \"failed startup probe\" just before each restart (`kubectl get events -n {ns} --field-selector involvedObject.name={facts.PodName}`)",
            Causes.BadCommand => $"the runtime reports StartError or \"executable file not found\" (`kubectl describe pod {pod} -n {ns}`)",
            Causes.WrongArchitecture => "the log or status says \"exec format error\"",
            Causes.CleanExit => "the container exits 0 with reason Completed",
            Causes.NativeCrash => "the exit code is 139/134/132/135 or the log ends in \"Segmentation fault\"/\"core dumped\"",
            Causes.RuntimeOutOfMemory => "the log ends with the runtime's out-of-memory error (OutOfMemoryError, heap out of memory)",
            Causes.PermissionDenied => "the last lines of the log say permission denied / EACCES on a path or port",
            Causes.ConfigError => "the log names a missing or invalid setting, variable or file just before the exit",
            Causes.DependencyUnavailable => "the log's last error is a refused, timed-out or unresolved connection to a host",
            Causes.ApplicationError => $"`kubectl logs {pod} -n {ns} -c {c} --previous` ends in an exception or panic raised by the app's own code",
            _ => "the previous log shows a different error",
        };
        return $"Not certain: this looks like {Words(cause)}, but it could be {Words(runnerUp)}. It is {Words(runnerUp)} if {check}";
    }

    static string Words(string cause) => cause switch
    {
        Causes.OomKilled => "an OOM kill",
        Causes.ProbeFailure => "a probe kill",
        Causes.BadCommand => "a bad command",
        Causes.WrongArchitecture => "a wrong-architecture image",
        Causes.CleanExit => "a clean exit",
        Causes.NativeCrash => "a native crash",
        Causes.RuntimeOutOfMemory => "a runtime heap exhaustion",
        Causes.PermissionDenied => "a permission problem",
        Causes.ConfigError => "a configuration error",
        Causes.DependencyUnavailable => "an unreachable dependency",
        Causes.ApplicationError => "an application error",
        _ => "something else",
    };
}
