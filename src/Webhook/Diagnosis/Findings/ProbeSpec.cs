using System.Globalization;
using k8s.Models;

namespace Webhook.Diagnosis;

/// <summary>A container's probe as the finders and step writers read it: its kind, target, port and timing.</summary>
public sealed record ProbeSpec(string Kind, V1Probe Probe)
{
    /// <summary>The Kubernetes defaults: initialDelaySeconds 0, periodSeconds 10, failureThreshold 3, timeoutSeconds 1.</summary>
    public int InitialDelay => Probe.InitialDelaySeconds ?? 0;
    public int Period => Probe.PeriodSeconds ?? 10;
    public int FailureThreshold => Probe.FailureThreshold ?? 3;
    public int Timeout => Probe.TimeoutSeconds ?? 1;

    /// <summary>How long the probe lets the container fail before a restart: initialDelaySeconds + failureThreshold × periodSeconds.</summary>
    public int Budget => InitialDelay + FailureThreshold * Period;

    /// <summary>"liveness" → "livenessProbe", the field name in the spec.</summary>
    public string Field => Kind + "Probe";

    public string Mechanism =>
        Probe.HttpGet is not null ? "http" : Probe.TcpSocket is not null ? "tcp" : Probe.Exec is not null ? "exec" : Probe.Grpc is not null ? "grpc" : "none";

    public string? Path => Probe.HttpGet is null ? null : Probe.HttpGet.Path ?? "/";

    /// <summary>The port as written in the spec: a number or a port name.</summary>
    public string? PortAsWritten =>
        Probe.HttpGet?.Port?.Value ?? Probe.TcpSocket?.Port?.Value ?? Probe.Grpc?.Port.ToString(CultureInfo.InvariantCulture);

    public string? Command => Probe.Exec?.Command is { Count: > 0 } c ? string.Join(' ', c) : null;

    /// <summary>The port as a number: a named port is looked up among the container's ports.</summary>
    public string? Port(V1Container? container)
    {
        var port = PortAsWritten;
        if (port is null) return null;
        return container?.Ports?.FirstOrDefault(p => p.Name == port) is { } named
            ? named.ContainerPort.ToString(CultureInfo.InvariantCulture)
            : port;
    }

    public string Target(V1Container? container) => Mechanism switch
    {
        "http" => $"httpGet {Path} port {Port(container)}",
        "tcp" => $"tcpSocket port {Port(container)}",
        "exec" => $"exec {Command}",
        "grpc" => $"grpc port {Port(container)}",
        _ => "probe",
    };

    public static ProbeSpec? Of(V1Container? container, string kind)
    {
        var probe = kind switch
        {
            "liveness" => container?.LivenessProbe,
            "startup" => container?.StartupProbe,
            "readiness" => container?.ReadinessProbe,
            _ => null,
        };
        return probe is null ? null : new ProbeSpec(kind, probe);
    }

    public static IEnumerable<ProbeSpec> All(V1Container? container) =>
        new[] { "liveness", "readiness", "startup" }.Select(k => Of(container, k)).OfType<ProbeSpec>();
}
