using System.Text.Json.Serialization;

namespace Webhook.Alerts;

// Alertmanager's webhook body, version "4". Unknown fields are ignored on purpose:
// newer Alertmanagers add fields (notification_reason since 0.32) and must not be rejected.
// Only the fields we use are modelled (groupLabels, commonLabels and commonAnnotations repeat what each alert
// carries), and they have setters: the source generator reads init-only properties through its slower
// constructor path, and this type is parsed on every request.
public sealed class AlertmanagerMessage
{
    public string? GroupKey { get; set; }
    public int TruncatedAlerts { get; set; }
    public string? Receiver { get; set; }
    [JsonPropertyName("externalURL")]
    public string? ExternalUrl { get; set; }
    public List<AlertmanagerAlert>? Alerts { get; set; }
}

public sealed class AlertmanagerAlert
{
    public string? Status { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public Dictionary<string, string>? Annotations { get; set; }
    public DateTimeOffset? StartsAt { get; set; }
    public DateTimeOffset? EndsAt { get; set; }
    [JsonPropertyName("generatorURL")]
    public string? GeneratorUrl { get; set; }
    public string? Fingerprint { get; set; }
}
