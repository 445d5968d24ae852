namespace Webhook.Diagnosis;

/// <summary>Reads kubelet probe event messages.</summary>
public static class ProbeText
{
    public static bool IsProbe(string? message) =>
        message is not null && (message.Contains("liveness probe", StringComparison.OrdinalIgnoreCase)
            || message.Contains("startup probe", StringComparison.OrdinalIgnoreCase));

    /// <summary>Readiness probes never restart a container; only liveness and startup probes do.</summary>
    public static bool IsKillingProbe(string? message) =>
        message is not null && (message.StartsWith("Liveness probe", StringComparison.OrdinalIgnoreCase)
            || message.StartsWith("Startup probe", StringComparison.OrdinalIgnoreCase));

    public static string Kind(string? message) =>
        message?.Contains("startup probe", StringComparison.OrdinalIgnoreCase) == true ? "startup" : "liveness";
}
