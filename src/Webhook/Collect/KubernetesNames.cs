using System.Text.RegularExpressions;

namespace Webhook.Collect;

/// <summary>
/// Kubernetes name rules, checked before a label from an alert becomes part of a URL path,
/// so a crafted label cannot walk to another API path.
/// </summary>
public static partial class KubernetesNames
{
    /// <summary>RFC 1123 label: namespaces, container names.</summary>
    public static bool IsDnsLabel(string? value) => value is { Length: > 0 and <= 63 } && DnsLabel().IsMatch(value);

    /// <summary>RFC 1123 subdomain: pods, nodes, workloads.</summary>
    /// <summary>A non-empty label value: safe to put in an equality selector as it is.</summary>
    public static bool IsLabelValue(string? value) => value is { Length: > 0 and <= 63 } && LabelValue().IsMatch(value);

    public static bool IsDnsSubdomain(string? value) =>
        value is { Length: > 0 and <= 253 } && value.Split('.').All(IsDnsLabel);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex DnsLabel();

    [GeneratedRegex("^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex LabelValue();
}
