namespace Webhook.Diagnosis;

/// <summary>The two or three kubectl commands that confirm a diagnosis.</summary>
public static class KubectlCommands
{
    public static IReadOnlyList<string> For(string cause, CrashFacts facts)
    {
        var pod = facts.PodName;
        var ns = facts.Namespace;
        var c = facts.ContainerName ?? "CONTAINER";
        var logs = $"kubectl logs {pod} -n {ns} -c {c} --previous --tail=50";
        var describe = $"kubectl describe pod {pod} -n {ns}";
        var events = $"kubectl get events -n {ns} --field-selector involvedObject.name={pod} --sort-by=.lastTimestamp";
        var spec = $"kubectl get pod {pod} -n {ns} -o jsonpath='{{.spec.containers[?(@.name==\"{c}\")]";

        return cause switch
        {
            Causes.OomKilled => [describe, $"kubectl top pod {pod} -n {ns} --containers", spec + ".resources}'"],
            Causes.RuntimeOutOfMemory => [logs, $"kubectl top pod {pod} -n {ns} --containers", spec + ".resources}'"],
            Causes.ProbeFailure => [events, spec + (ProbeKind(facts) == "startup" ? ".startupProbe}'" : ".livenessProbe}'"), logs],
            Causes.BadCommand => [describe, spec + ".command} {.spec.containers[?(@.name==\"" + c + "\")].args}'"],
            Causes.WrongArchitecture => [logs, $"kubectl get node {facts.Snapshot.Pod?.Spec?.NodeName ?? "NODE"} -o jsonpath='{{.status.nodeInfo.architecture}}'"],
            Causes.CleanExit => [logs, describe],
            Causes.ConfigError => [logs, $"kubectl get configmap,secret -n {ns}", spec + ".env}'"],
            Causes.DependencyUnavailable => [logs, $"kubectl get svc,endpoints -n {ns}", events],
            Causes.PermissionDenied => [logs, $"kubectl get pod {pod} -n {ns} -o jsonpath='{{.spec.securityContext}} {{.spec.containers[?(@.name==\"{c}\")].securityContext}}'"],
            _ => [logs, describe, events],
        };
    }

    static string ProbeKind(CrashFacts facts) =>
        facts.Events.Any(e => e.Message?.Contains("Startup probe", StringComparison.OrdinalIgnoreCase) == true) ? "startup" : "liveness";
}
