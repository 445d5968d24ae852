using System.Diagnostics;
using Microsoft.Extensions.Options;
using Webhook.Collect;
using Webhook.Collect.Prometheus;
using Webhook.Diagnosis;
using Webhook.Inbox;
using Webhook.Notify;
using Webhook.Notify.Delivery;
using Webhook.Observability;

namespace Webhook.Pipeline;

/// <summary>collect → classify → render → deliver for one inbox item, and what the inbox should do with it next.</summary>
public sealed partial class AlertProcessor(
    IInboxStore inbox,
    IPodCollector collector,
    ICrashClassifier classifier,
    IInvestigator investigator,
    DestinationRegistry destinations,
    DeliveryStage delivery,
    PipelineMetrics metrics,
    IOptions<PipelineOptions> options,
    TimeProvider clock,
    ILogger<AlertProcessor> logger,
    MemoryHistory? memoryHistory = null)
{
    readonly PipelineOptions _options = options.Value;

    /// <param name="cancellationToken">Ends the work on the item (Pipeline:ItemTimeout, or the stop's grace).</param>
    /// <param name="abandon">Ends only the wait to record the outcome while the inbox's database is away (the stop's
    /// grace): the work is done by then, and its outcome is worth more than the item's time limit.</param>
    public async Task ProcessAsync(InboxItem item, CancellationToken cancellationToken, CancellationToken abandon = default)
    {
        var alert = item.Alert;
        // Joins the intake request's trace: the traceparent was stored with the item.
        using var activity = Telemetry.Source.StartActivity("process alert", ActivityKind.Internal, item.TraceParent);
        activity?.SetTag("webhook.route", alert.Route);
        activity?.SetTag("webhook.alert.status", alert.Status);
        activity?.SetTag("webhook.attempt", item.Attempts + 1);
        activity?.SetTag("k8s.namespace.name", alert.Namespace);
        activity?.SetTag("k8s.pod.name", alert.Pod);
        activity?.SetTag("k8s.container.name", alert.Container);
        var notifiers = destinations.For(alert.Route);
        if (notifiers is null)
        {
            await FailAsync(item, $"route '{alert.Route}' is no longer configured", permanent: true, null, abandon);
            return;
        }

        var collectStarted = Stopwatch.GetTimestamp();
        var snapshot = await CollectAsync(item, cancellationToken);
        var followed = await InvestigateAsync(item, snapshot, Stopwatch.GetElapsedTime(collectStarted), cancellationToken);
        // The classifier is pure: a classification of the very snapshot the stages end with (the follow-ups and the
        // memory history added nothing, or there was no cluster to ask) is the diagnosis, not classified again.
        (snapshot, var known) = await MemoryHistoryAsync(followed, ReferenceEquals(followed.Snapshot, snapshot) ? followed.First : null,
            alert.Cluster, cancellationToken);
        var diagnosis = Classify(snapshot, known);
        var notification = new Notification(alert, snapshot, diagnosis, item.IdempotencyKey);

        var delivered = await WhileInboxAwayAsync(item, () => inbox.DeliveredDestinationsAsync(item.Id, cancellationToken), abandon);
        var failures = new List<(INotifier Notifier, DeliveryOutcome Outcome)>();
        var started = Stopwatch.GetTimestamp();
        var pending = notifiers.Where(n => !delivered.Contains(n.Id)).ToList();
        string? lastDelivered = null;
        foreach (var notifier in pending)
        {
            DeliveryOutcome outcome;
            using (var span = Telemetry.Source.StartActivity($"deliver {notifier.Kind}"))
            {
                span?.SetTag("webhook.destination.kind", notifier.Kind);
                outcome = await delivery.SendAsync(notifier, notification, cancellationToken);
                span?.SetTag("webhook.delivery.outcome", outcome.GetType().Name.ToLowerInvariant());
                if (outcome is not DeliveryOutcome.Delivered) span?.SetStatus(ActivityStatusCode.Error);
            }
            if (outcome is not DeliveryOutcome.Delivered)
                failures.Add((notifier, outcome));
            else if (notifier == pending[^1] && failures.Count == 0)
                lastDelivered = notifier.Id; // recorded together with completion: one commit instead of two
            else
                await RecordAsync(item, () => inbox.MarkDeliveredToAsync(item.Id, notifier.Id, CancellationToken.None), abandon);
        }
        metrics.Stage("deliver", Stopwatch.GetElapsedTime(started));

        if (failures.Count == 0)
        {
            await RecordAsync(item, () => inbox.CompleteAsync(item, lastDelivered, CancellationToken.None), abandon);
            LogDelivered(logger, item.Key, alert.Namespace, alert.Pod, diagnosis.Cause, notifiers.Count - delivered.Count);
            return;
        }

        var reason = string.Join("; ", failures.Select(f => $"{f.Notifier.Id}: {Describe(f.Outcome)}"));
        var permanent = failures.All(f => f.Outcome is DeliveryOutcome.Permanent);
        var retryAfter = failures.Select(f => (f.Outcome as DeliveryOutcome.Retryable)?.RetryAfter).Max();
        // Nothing left the process because a healthy destination was busy or paced: the item keeps its attempt count
        // and comes back when the guard said, so a burst never grows its backoff to minutes (its firing then lost to
        // its own resolved).
        var localWait = failures.All(f => DeliveryReasons.IsLocalWait(f.Outcome));
        await FailAsync(item, reason, permanent, retryAfter, abandon, countAttempt: !localWait);
    }

    /// <summary>The first wait before recording an outcome again while the inbox's database is away; it doubles up to <see cref="RecordRetryMax"/>.</summary>
    static readonly TimeSpan RecordRetryFirst = TimeSpan.FromMilliseconds(200);
    static readonly TimeSpan RecordRetryMax = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Asks the inbox about the item or records what became of it, waiting out an outage of the inbox's database (a
    /// PostgreSQL restart or failover) instead of leaving the item to its lease. The worker still holds the claim (its
    /// lease token; the renewals go on meanwhile), so what it delivered is recorded seconds after the database is
    /// back. Left to its lease, the item stayed in flight for Pipeline:LeaseDuration (5 minutes) and was then claimed
    /// and delivered again; a storm pod that had joined a digest waited as long for it (tests/bench/REPLICAS-SOAK.md).
    /// Stops waiting when the lease would have run out anyway (a recording after that changes nothing: the claim is
    /// no longer this worker's) or at the stop's grace, and the item is left to its lease as before.
    /// </summary>
    async Task<T> WhileInboxAwayAsync<T>(InboxItem item, Func<Task<T>> call, CancellationToken abandon)
    {
        var until = clock.GetUtcNow() + _options.LeaseDuration;
        var wait = RecordRetryFirst;
        for (var tries = 1; ; tries++)
        {
            try
            {
                var result = await call();
                if (tries > 1) LogInboxBack(logger, item.Key, tries);
                return result;
            }
            catch (InboxUnavailableException ex) when (!abandon.IsCancellationRequested && clock.GetUtcNow() + wait < until)
            {
                if (tries == 1) LogInboxAway(logger, item.Key, ex.Message);
            }
            await Task.Delay(wait, clock, abandon);
            wait = wait * 2 > RecordRetryMax ? RecordRetryMax : wait * 2;
        }
    }

    Task RecordAsync(InboxItem item, Func<Task> record, CancellationToken abandon) =>
        WhileInboxAwayAsync(item, async () => { await record(); return true; }, abandon);

    async Task<PodSnapshot> CollectAsync(InboxItem item, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var span = Telemetry.Source.StartActivity("collect");
        try
        {
            var snapshot = await collector.CollectAsync(item.Alert, cancellationToken);
            span?.SetTag("webhook.collect.gaps", snapshot.Gaps.Count);
            return snapshot;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // A notification without enrichment beats none.
            LogCollectFailed(logger, ex, item.Key);
            return PodSnapshot.AlertOnly(item.Alert.Namespace ?? "", item.Alert.Pod ?? "", item.Alert.Container,
                $"collector failed: {ex.GetType().Name}");
        }
        finally
        {
            metrics.Stage("collect", Stopwatch.GetElapsedTime(started));
        }
    }

    /// <summary>
    /// For an OOM-like first diagnosis: the container's memory history (Prometheus) or current usage (metrics.k8s.io),
    /// added to the snapshot. The Investigate stage's first classification decides (the answers do not make a crash
    /// OOM-like or not: no rule that reads them concludes or overrules an out-of-memory cause); only when no follow-up
    /// classified is the snapshot classified here. Returns the snapshot with a classification of exactly that
    /// snapshot when one is known (<paramref name="known"/>, of the followed-up snapshot, or the one made here).
    /// </summary>
    async Task<(PodSnapshot Snapshot, CrashDiagnosis? Known)> MemoryHistoryAsync(FollowedUp followed, CrashDiagnosis? known, string? cluster,
        CancellationToken cancellationToken)
    {
        var snapshot = followed.Snapshot;
        if (memoryHistory is null)
            return (snapshot, known);
        try
        {
            if (!MemoryHistory.Wants(followed.First ?? (known ??= classifier.Classify(snapshot))))
                return (snapshot, known);
        }
        catch (Exception)
        {
            return (snapshot, null); // the real classification below reports it
        }
        var started = Stopwatch.GetTimestamp();
        using var span = Telemetry.Source.StartActivity("memory history");
        var enriched = await memoryHistory.AddAsync(snapshot, cluster, cancellationToken);
        span?.SetTag("webhook.memory.series", enriched.Metrics.Count);
        metrics.Stage("memory-history", Stopwatch.GetElapsedTime(started));
        return (enriched, ReferenceEquals(enriched, snapshot) ? known : null);
    }

    /// <summary>classify (pure) → follow-up questions → answers in the snapshot; a failure keeps the snapshot as collected.</summary>
    async Task<FollowedUp> InvestigateAsync(InboxItem item, PodSnapshot snapshot, TimeSpan spent, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var span = Telemetry.Source.StartActivity("investigate");
        try
        {
            var followed = await investigator.FollowUpWithFirstAsync(classifier, item.Alert, snapshot, spent, cancellationToken);
            span?.SetTag("webhook.investigate.objects", followed.Snapshot.Objects.Count);
            return followed;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogInvestigateFailed(logger, ex, item.Key);
            return new FollowedUp(snapshot with { Gaps = [.. snapshot.Gaps, $"follow-ups failed: {ex.GetType().Name}"] }, null);
        }
        finally
        {
            metrics.Stage("investigate", Stopwatch.GetElapsedTime(started));
        }
    }

    CrashDiagnosis Classify(PodSnapshot snapshot, CrashDiagnosis? alreadyClassified)
    {
        var started = Stopwatch.GetTimestamp();
        using var span = Telemetry.Source.StartActivity("classify");
        CrashDiagnosis diagnosis;
        try
        {
            diagnosis = alreadyClassified ?? classifier.Classify(snapshot);
        }
        catch (Exception ex)
        {
            LogClassifyFailed(logger, ex, snapshot.Namespace, snapshot.PodName);
            diagnosis = new UnknownClassifier().Classify(snapshot with { Gaps = [.. snapshot.Gaps, $"classifier failed: {ex.GetType().Name}"] });
        }
        metrics.Stage("classify", Stopwatch.GetElapsedTime(started));
        metrics.Diagnosis(diagnosis.Cause);
        span?.SetTag("webhook.cause", diagnosis.Cause);
        Activity.Current?.Parent?.SetTag("webhook.cause", diagnosis.Cause);
        return diagnosis;
    }

    /// <summary>
    /// The one retry stage's verdict on a failed attempt: a permanent failure is terminal at once (failed); a retryable
    /// one is tried again after backoff, the server's Retry-After honoured, until Pipeline:MaxRetryAge (then dead).
    /// </summary>
    /// <param name="abandon">Ends the wait to record it while the inbox's database is away (<see cref="RecordAsync"/>).</param>
    internal async Task FailAsync(InboxItem item, string reason, bool permanent, TimeSpan? retryAfter, CancellationToken abandon, bool countAttempt = true)
    {
        var attempt = item.Attempts + 1;
        var now = clock.GetUtcNow();
        var giveUpAt = item.QueuedAt + _options.MaxRetryAge;
        if (permanent || now >= giveUpAt)
        {
            var state = permanent ? InboxStates.Failed : InboxStates.Dead;
            if (!permanent) reason = $"{reason} (still failing after {_options.MaxRetryAge}, Pipeline:MaxRetryAge)";
            await RecordAsync(item, () => inbox.GiveUpAsync(item, state, reason, CancellationToken.None), abandon);
            metrics.GaveUp(state);
            LogGaveUp(logger, item.Key, state, attempt, reason);
            return;
        }
        // The last try lands at the maximum age rather than past it.
        var next = now + (!countAttempt && retryAfter is { } wait ? wait : Backoff(attempt, retryAfter));
        if (next > giveUpAt) next = giveUpAt;
        await RecordAsync(item, () => inbox.RetryLaterAsync(item, next, reason, CancellationToken.None, countAttempt), abandon);
        LogRetrying(logger, item.Key, attempt, reason, next - now);
    }

    /// <summary>Exponential with full jitter, never sooner than the server's Retry-After.</summary>
    TimeSpan Backoff(int attempt, TimeSpan? retryAfter)
    {
        var ceiling = Math.Min(_options.MaxBackoff.TotalMilliseconds, _options.BaseBackoff.TotalMilliseconds * Math.Pow(2, attempt - 1));
        var jittered = TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
        return retryAfter is { } server && server > jittered ? server : jittered;
    }

    static string Describe(DeliveryOutcome outcome) => outcome switch
    {
        DeliveryOutcome.Retryable r => r.Reason,
        DeliveryOutcome.Permanent p => $"{p.Reason} (permanent)",
        _ => "delivered",
    };

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Delivered {Key} {Namespace}/{Pod} as {Cause} to {Count} destination(s)")]
    static partial void LogDelivered(ILogger logger, string key, string? @namespace, string? pod, string cause, int count);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "Delivery of {Key} failed (attempt {Attempt}): {Reason}; next try in {Wait}")]
    static partial void LogRetrying(ILogger logger, string key, int attempt, string reason, TimeSpan wait);

    [LoggerMessage(EventId = 202, Level = LogLevel.Error, Message = "Gave up on {Key} as {State} after attempt {Attempt}: {Reason}; re-queue it with POST /status/failed/{{id}}/retry or the requeue command")]
    static partial void LogGaveUp(ILogger logger, string key, string state, int attempt, string reason);

    [LoggerMessage(EventId = 206, Level = LogLevel.Warning, Message = "{Key} waits for the inbox's database: {Error}")]
    static partial void LogInboxAway(ILogger logger, string key, string error);

    [LoggerMessage(EventId = 207, Level = LogLevel.Information, Message = "{Key}: the inbox's database answered again (try {Tries})")]
    static partial void LogInboxBack(ILogger logger, string key, int tries);

    [LoggerMessage(EventId = 203, Level = LogLevel.Warning, Message = "Collecting {Key} failed; going on with the alert alone")]
    static partial void LogCollectFailed(ILogger logger, Exception exception, string key);

    [LoggerMessage(EventId = 205, Level = LogLevel.Warning, Message = "Following up {Key} failed; going on with what was collected")]
    static partial void LogInvestigateFailed(ILogger logger, Exception exception, string key);

    [LoggerMessage(EventId = 204, Level = LogLevel.Error, Message = "Classifying {Namespace}/{Pod} failed; reporting unknown")]
    static partial void LogClassifyFailed(ILogger logger, Exception exception, string @namespace, string pod);
}
