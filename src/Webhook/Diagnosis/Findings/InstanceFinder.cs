using System.Globalization;

namespace Webhook.Diagnosis;

/// <summary>
/// Facts about the instance that ended and the container's place in the pod: which container (an init container
/// or a sidecar is not the app), whether it ever started, and whether it restarts at all.
/// </summary>
public sealed class InstanceFinder : IFinder
{
    public IEnumerable<Finding> Find(CrashFacts facts, RuleMatch match)
    {
        var role = Role(facts);
        if (role is not null)
            yield return new Finding(FindingKinds.FailingContainer, $"{role} {facts.ContainerName} is the container that fails", "pod.spec")
            {
                Values = new Dictionary<string, string> { ["container"] = facts.ContainerName ?? "", ["role"] = role },
            };

        if (facts.Terminated is { } t)
        {
            var values = new Dictionary<string, string> { ["exitCode"] = t.ExitCode.ToString(CultureInfo.InvariantCulture) };
            if (t.Reason is { } reason) values["reason"] = reason;
            if (facts.RunTime is { } ran) values["ranSeconds"] = ((long)ran.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            yield return new Finding(FindingKinds.Termination, StatusText.Terminated(facts), "pod.status") { Values = values };
            if (facts.NeverStarted)
                yield return new Finding(FindingKinds.NeverStarted, $"{facts.ContainerName} never started: the runtime failed before the process ran", "pod.status");
        }

        // A Job pod or restartPolicy Never: the container ended and stays ended; the current state is what to read.
        if (!facts.IsInitContainer && facts.RestartPolicy != "Always" && facts.Status?.State?.Terminated is { } ended)
            yield return new Finding(FindingKinds.NotRestarting,
                $"{facts.ContainerName} terminated with exit {ended.ExitCode} and restartPolicy {facts.RestartPolicy} does not restart it", "pod.status")
            {
                Values = new Dictionary<string, string> { ["restartPolicy"] = facts.RestartPolicy },
            };
    }

    /// <summary>
    /// "init container", "sidecar" (a native sidecar, or a well-known proxy/agent image) or "container" when the
    /// failing container is not the pod's only or first one; null for the main container.
    /// </summary>
    public static string? Role(CrashFacts facts)
    {
        if (facts.IsInitContainer)
            return facts.Spec?.RestartPolicy == "Always" ? "sidecar" : "init container";
        var containers = facts.Snapshot.Pod?.Spec?.Containers ?? [];
        if (containers.Count < 2 || facts.ContainerName is null || containers[0].Name == facts.ContainerName) return null;
        return SidecarNames.Any(n => facts.ContainerName.Contains(n, StringComparison.OrdinalIgnoreCase) || (facts.Spec?.Image ?? "").Contains(n, StringComparison.OrdinalIgnoreCase))
            ? "sidecar" : "container";
    }

    static readonly string[] SidecarNames =
    [
        "istio-proxy", "envoy", "linkerd-proxy", "cloud-sql-proxy", "cloudsql-proxy", "oauth2-proxy", "config-reloader", "configmap-reload",
        "vault-agent", "fluent-bit", "fluentbit", "fluentd", "filebeat", "promtail", "vector", "otel-collector", "opentelemetry-collector",
        "jaeger-agent", "datadog", "dd-agent", "log-shipper", "sidecar", "exporter", "kube-rbac-proxy",
    ];
}
