using k8s.Models;

namespace Webhook.Diagnosis;

public static partial class Remedies
{
    static IEnumerable<string> ProbeFailure(RuleMatch match, CrashFacts facts)
    {
        var kind = match.Detail ?? "liveness";
        var probe = kind == "startup" ? facts.Spec?.StartupProbe : facts.Spec?.LivenessProbe;
        if (probe is null)
        {
            yield return $"The events report a failing {kind} probe; compare them with the probe in the workload's template";
            yield break;
        }

        var delay = probe.InitialDelaySeconds ?? 0;
        var period = probe.PeriodSeconds ?? 10;
        var failures = probe.FailureThreshold ?? 3;
        var budget = delay + period * failures;
        var ran = facts.RunTime is { } t ? $"; the container ran {StatusText.Duration(t)}" : "";
        yield return $"The {kind} probe ({Target(probe)}) allows initialDelaySeconds {delay} + failureThreshold {failures} × periodSeconds {period} = {budget}s before a restart{ran}";

        if (facts.RunTime is { } ranFor && ranFor.TotalSeconds > 2 * budget + 30)
            yield return $"It ran well past the probe's budget, so it did start: the app later stopped answering (hang, deadlock, overload, a dependency the health check calls); look at what it logged just before the restart";
        else if (kind == "liveness" && facts.Spec?.StartupProbe is null)
            yield return $"If the app needs longer to start, add a startupProbe on the same endpoint with failureThreshold × periodSeconds above its startup time (e.g. failureThreshold {Math.Max(30, failures * 4)}, periodSeconds {period}) instead of stretching the liveness probe";
        if (PortMismatch(probe, facts.Spec) is { } mismatch)
            yield return mismatch;
        if ((probe.TimeoutSeconds ?? 1) <= 1 && probe.HttpGet is not null)
            yield return "timeoutSeconds is 1: a health endpoint that answers slowly under load fails the probe; raise timeoutSeconds or make the endpoint cheap (no database calls in liveness)";
        if (probe.HttpGet is not null)
            yield return $"Check the endpoint from inside the pod: kubectl exec {facts.PodName} -n {facts.Namespace} -c {facts.ContainerName} -- wget -qO- http://localhost:{PortNumber(probe, facts.Spec)}{probe.HttpGet.Path}";
        else if (probe.Exec?.Command is { Count: > 0 } command)
            yield return $"Run the probe by hand and read its output and exit code: kubectl exec {facts.PodName} -n {facts.Namespace} -c {facts.ContainerName} -- {string.Join(' ', command)}";
    }

    static string Target(V1Probe probe) =>
        probe.HttpGet is { } h ? $"httpGet {h.Path ?? "/"} port {h.Port?.Value}"
        : probe.TcpSocket is { } s ? $"tcpSocket port {s.Port?.Value}"
        : probe.Exec is { } e ? $"exec {string.Join(' ', e.Command ?? [])}"
        : probe.Grpc is { } g ? $"grpc port {g.Port}"
        : "probe";

    /// <summary>The probe's port as a number: a named port is looked up among the container's ports.</summary>
    static string PortNumber(V1Probe probe, V1Container? spec)
    {
        var port = probe.HttpGet?.Port?.Value ?? probe.TcpSocket?.Port?.Value ?? "PORT";
        return spec?.Ports?.FirstOrDefault(p => p.Name == port) is { } named
            ? named.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : port;
    }

    static string? PortMismatch(V1Probe probe, V1Container? spec)
    {
        var port = probe.HttpGet?.Port?.Value ?? probe.TcpSocket?.Port?.Value;
        var ports = spec?.Ports ?? [];
        if (port is null || ports.Count == 0) return null;
        var known = ports.Any(p => p.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture) == port || p.Name == port);
        return known ? null : $"The probe targets port {port}, but the container declares ports {string.Join(", ", ports.Select(p => p.ContainerPort))}: point the probe at the port the app listens on";
    }
}
