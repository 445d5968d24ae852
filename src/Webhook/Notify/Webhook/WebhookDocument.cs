using Webhook.Diagnosis;

namespace Webhook.Notify.Webhook;

/// <summary>
/// The generic webhook body: one document per alert, the diagnosis fields of taxonomy.md at the top level
/// plus the alert and its group. Field names are public API (docs/webhook.md).
/// </summary>
public sealed record WebhookDocument
{
    public const string CurrentSchemaVersion = "1";
    public string SchemaVersion { get; init; } = CurrentSchemaVersion;

    // The diagnosis (taxonomy.md).
    public required string Cause { get; init; }
    public double Confidence { get; init; }
    public required string Summary { get; init; }
    public IReadOnlyList<Evidence> Evidence { get; init; } = [];
    public IReadOnlyList<string> Remediation { get; init; } = [];
    public IReadOnlyList<string> Commands { get; init; } = [];
    public string? Container { get; init; }
    public int? ExitCode { get; init; }
    public string? Signal { get; init; }
    public int? RestartCount { get; init; }
    public IReadOnlyList<string> Missing { get; init; } = [];
    /// <summary>"certain", "likely", "possible" or "unknown": the band of <see cref="Confidence"/>.</summary>
    public string Certainty { get; init; } = "certain";
    /// <summary>The facts the cause and the remediation are derived from.</summary>
    public IReadOnlyList<Finding> Findings { get; init; } = [];
    /// <summary>Runner-up causes, most likely first.</summary>
    public IReadOnlyList<Alternative> Alternatives { get; init; } = [];
    /// <summary>The one command that applies the fix, when it is certain and mechanical; it writes to the cluster.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public ProposedChange? Change { get; init; }

    // The alert and its group.
    public required string Status { get; init; }
    public required IReadOnlyDictionary<string, string> Labels { get; init; }
    public required IReadOnlyDictionary<string, string> Annotations { get; init; }
    public required DateTimeOffset StartsAt { get; init; }
    public DateTimeOffset? EndsAt { get; init; }
    public required string Fingerprint { get; init; }
    public string? GeneratorURL { get; init; }
    public string? GroupKey { get; init; }
    public string? ExternalURL { get; init; }
    public required string Route { get; init; }
    /// <summary>What the collector could not fetch.</summary>
    public IReadOnlyList<string> Gaps { get; init; } = [];

    public static WebhookDocument From(Notification notification)
    {
        var (alert, diagnosis) = (notification.Alert, notification.Diagnosis);
        return new WebhookDocument
        {
            Cause = diagnosis.Cause,
            Confidence = diagnosis.Confidence,
            Summary = diagnosis.Summary,
            Evidence = diagnosis.Evidence,
            Remediation = diagnosis.Remediation,
            Commands = diagnosis.Commands,
            Container = diagnosis.Container ?? alert.Container,
            ExitCode = diagnosis.ExitCode,
            Signal = diagnosis.Signal,
            RestartCount = diagnosis.RestartCount,
            Missing = diagnosis.Missing,
            Certainty = diagnosis.Certainty,
            Findings = diagnosis.Findings,
            Alternatives = diagnosis.Alternatives,
            Change = diagnosis.Change,
            Status = alert.Status,
            Labels = alert.Labels,
            Annotations = alert.Annotations,
            StartsAt = alert.StartsAt,
            EndsAt = alert.EndsAt,
            Fingerprint = alert.Fingerprint,
            GeneratorURL = alert.GeneratorUrl,
            GroupKey = alert.GroupKey,
            ExternalURL = alert.ExternalUrl,
            Route = alert.Route,
            Gaps = notification.Snapshot.Gaps,
        };
    }
}
