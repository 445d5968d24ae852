using System.Text.Json.Serialization;

namespace Webhook.Alerts;

// Alertmanager's webhook body, version "4". Unknown fields are ignored on purpose:
// newer Alertmanagers add fields (notification_reason since 0.32) and must not be rejected.
public sealed record AlertmanagerMessage
{
    public string? Version { get; init; }
    public string? GroupKey { get; init; }
    public int TruncatedAlerts { get; init; }
    public string? Status { get; init; }
    public string? Receiver { get; init; }
    public Dictionary<string, string>? GroupLabels { get; init; }
    public Dictionary<string, string>? CommonLabels { get; init; }
    public Dictionary<string, string>? CommonAnnotations { get; init; }
    [JsonPropertyName("externalURL")]
    public string? ExternalUrl { get; init; }
    public List<AlertmanagerAlert>? Alerts { get; init; }
}

public sealed record AlertmanagerAlert
{
    public string? Status { get; init; }
    public Dictionary<string, string>? Labels { get; init; }
    public Dictionary<string, string>? Annotations { get; init; }
    public DateTimeOffset? StartsAt { get; init; }
    public DateTimeOffset? EndsAt { get; init; }
    [JsonPropertyName("generatorURL")]
    public string? GeneratorUrl { get; init; }
    public string? Fingerprint { get; init; }
}
