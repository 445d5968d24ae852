namespace Webhook.Notify.Slack;

/// <summary>
/// What the Slack Web API notifier remembers across attempts and restarts, per destination (route/slack): the
/// message of each open incident and the pods firing in it, which steps of which notification are done, and which
/// posts were attempted without a known result. The notifier knows only this; a store (SQLite in the inbox's file
/// here, PostgreSQL for several replicas) passes the contract suite in tests/Webhook.Tests/Storage.
/// What every store guarantees:
/// <list type="bullet">
/// <item>an incident is open until resolved and for at most Slack:IncidentMaxAge after it opened; only open ones are found;</item>
/// <item>an attempt keeps the time it was first recorded until it is cleared;</item>
/// <item>a destination's conversation is held by one caller at a time (<see cref="LockConversationAsync"/>);</item>
/// <item><see cref="PurgeAsync"/> deletes what is past retention, and the store runs it itself (at its first use and
/// at most hourly while steps are recorded), so nothing grows without bound when nobody calls it.</item>
/// </list>
/// Times are the store's clock (the service's <see cref="TimeProvider"/>).
/// </summary>
public interface ISlackIncidentStore
{
    /// <summary>
    /// Waits for the destination's conversation and holds it until disposed: one notification at a time per
    /// destination among all that share the store (every replica on PostgreSQL), so two pods of one workload seen
    /// at the same moment never both open an incident, and two pods resolving together never both leave it open.
    /// </summary>
    Task<IAsyncDisposable> LockConversationAsync(string destination, CancellationToken cancellationToken);

    /// <summary>
    /// Records, before a post is made, that it is about to be: after a crash the post may have happened.
    /// True when this call recorded it; false when an attempt was already recorded (its time is kept).
    /// </summary>
    Task<bool> MarkAttemptAsync(string destination, string idempotencyKey, string step, CancellationToken cancellationToken);

    /// <summary>When the attempt not yet cleared was recorded; null when there is none.</summary>
    Task<DateTimeOffset?> AttemptedAtAsync(string destination, string idempotencyKey, string step, CancellationToken cancellationToken);

    /// <summary>The post surely did not happen (Slack answered with a failure, or it was never sent).</summary>
    Task ClearAttemptAsync(string destination, string idempotencyKey, string step, CancellationToken cancellationToken);

    /// <summary>The step of this notification, when done; its <see cref="SlackStep.Ts"/> is the message it posted, if any.</summary>
    Task<SlackStep?> FindStepAsync(string destination, string idempotencyKey, string step, CancellationToken cancellationToken);

    /// <summary>Marks the step done (again: the latest ts wins).</summary>
    Task MarkStepAsync(string destination, string idempotencyKey, string step, string? ts, CancellationToken cancellationToken);

    /// <summary>The newest open incident of this key.</summary>
    Task<SlackIncident?> FindOpenAsync(string destination, string incidentKey, CancellationToken cancellationToken);

    /// <summary>The newest open incident this pod (alert fingerprint) is part of, firing or recovered.</summary>
    Task<SlackIncident?> FindOpenByPodAsync(string destination, string fingerprint, CancellationToken cancellationToken);

    /// <summary>
    /// Records a posted message as an open incident with its first pod firing, and marks the notification's "post"
    /// step done with the message's ts, all at once (after a crash either all of it is recorded or none).
    /// </summary>
    Task OpenAsync(string destination, string incidentKey, string channel, string ts, string messageJson, string fingerprint,
        string idempotencyKey, CancellationToken cancellationToken);

    /// <summary>A storm digest is an incident too: its pods resolve onto it like pods of one workload. A digest already recorded keeps its record; its pods are (again) firing.</summary>
    Task OpenDigestAsync(string destination, string digestKey, string channel, string ts, string messageJson,
        IReadOnlyCollection<string> fingerprints, CancellationToken cancellationToken);

    /// <summary>Adds the pod to the incident's message (<paramref name="ts"/>) or sets whether it is firing.</summary>
    Task SetPodFiringAsync(string destination, string ts, string fingerprint, bool firing, CancellationToken cancellationToken);

    /// <summary>Pods of the incident's message still firing, other than <paramref name="fingerprint"/>.</summary>
    Task<int> FiringPodsExceptAsync(string destination, string ts, string fingerprint, CancellationToken cancellationToken);

    /// <summary>Closes the incident of this message: it is no longer found.</summary>
    Task ResolveAsync(string destination, string ts, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes step and attempt marks past Slack:StepRetention, resolved incidents past Slack:ResolvedRetention and
    /// incidents never resolved past Slack:IncidentMaxAge, with their pods. Returns the incidents deleted.
    /// </summary>
    Task<int> PurgeAsync(CancellationToken cancellationToken);
}

/// <summary>An open incident: the message (channel + ts), as first posted (for chat.update on resolve), and when it opened.</summary>
public sealed record SlackIncident(string Channel, string Ts, string MessageJson, DateTimeOffset OpenedAt);

/// <summary>A step done; <paramref name="Ts"/> is the message it posted, when it posted one.</summary>
public sealed record SlackStep(string? Ts);
