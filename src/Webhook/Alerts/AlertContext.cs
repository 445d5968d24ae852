using System.Text.Json.Serialization;

namespace Webhook.Alerts;

/// <summary>One alert of an Alertmanager group, with the group's context: the unit the pipeline works on.</summary>
public sealed record AlertContext
{
    public required string Route { get; init; }
    public required string Status { get; init; }
    public required IReadOnlyDictionary<string, string> Labels { get; init; }
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();
    public required DateTimeOffset StartsAt { get; init; }
    /// <summary>Null while firing (Alertmanager sends 0001-01-01T00:00:00Z).</summary>
    public DateTimeOffset? EndsAt { get; init; }
    public string? GeneratorUrl { get; init; }
    public required string Fingerprint { get; init; }
    public string? GroupKey { get; init; }
    public string? ExternalUrl { get; init; }
    public string? Receiver { get; init; }
    /// <summary>How many alerts of the same status came in this Alertmanager group (alert storms are digested).</summary>
    public int GroupSize { get; init; } = 1;

    // Derived from the labels, so not stored: the inbox keeps each alert as this record's JSON.
    [JsonIgnore] public bool IsResolved => Status == "resolved";
    [JsonIgnore] public string? AlertName => Label("alertname");
    [JsonIgnore] public string? Namespace => Label("namespace");
    [JsonIgnore] public string? Pod => Label("pod");
    [JsonIgnore] public string? Container => Label("container");
    [JsonIgnore] public string? PodUid => Label("uid");
    [JsonIgnore] public string? Cluster => Label("cluster");

    public string? Label(string name) => Labels.TryGetValue(name, out var v) && v.Length > 0 ? v : null;
    public string? Annotation(string name) => Annotations.TryGetValue(name, out var v) && v.Length > 0 ? v : null;
}
