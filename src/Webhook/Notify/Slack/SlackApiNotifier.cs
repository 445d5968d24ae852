using System.Security.Cryptography;
using System.Text;
using Webhook.Notify.Content;
using Webhook.Notify.Storm;

namespace Webhook.Notify.Slack;

/// <summary>
/// Slack Web API with a bot token: one message per incident (workload + container + cause). A re-fire while it is
/// open is a thread reply; the last pod resolving updates the original (chat.update) and adds a thread reply.
/// Each step of each notification is recorded, so the delivery stage may retry a partial success safely.
/// </summary>
public sealed class SlackApiNotifier(string id, string channel, SlackApiClient api, ISlackIncidentStore store,
    ContentBuilder content, TimeProvider time) : INotifier, IDigestTarget
{
    // One conversation at a time per destination: two pods of one workload must not both open an incident. The
    // gate orders this process's callers; the store's conversation lock then orders the replicas that share the
    // store (with PostgreSQL, an advisory lock held on a connection: one per destination and process at most).
    private readonly SemaphoreSlim _gate = new(1, 1);

    public string Kind => "slack";
    public string Id => id;

    public static string IncidentKey(Notification n) =>
        $"{ContentBuilder.Workload(n)}|{n.Diagnosis.Container ?? n.Snapshot.Container ?? n.Alert.Container}|{n.Diagnosis.Cause}";

    public async Task<DeliveryOutcome> SendAsync(Notification n, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            await using var conversation = await store.LockConversationAsync(id, ct);
            // A repeat of a notification that went through completely (the inbox retried another destination).
            if (await store.FindStepAsync(id, n.IdempotencyKey, "done", ct) is not null) return DeliveryOutcome.Success;
            var c = content.Build(n);
            var outcome = n.Alert.IsResolved ? await ResolveAsync(n, c, ct) : await FireAsync(n, c, ct);
            if (outcome is DeliveryOutcome.Delivered) await store.MarkStepAsync(id, n.IdempotencyKey, "done", null, ct);
            return outcome;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<DeliveryOutcome> FireAsync(Notification n, MessageContent c, CancellationToken ct)
    {
        var key = IncidentKey(n);
        var open = await store.FindOpenAsync(id, key, ct);
        if (open is null)
        {
            if (await store.FindStepAsync(id, n.IdempotencyKey, "post", ct) is not null) return DeliveryOutcome.Success;
            var message = SlackRenderer.Render(c) with { Channel = channel };
            var posted = await PostOnceAsync(n.IdempotencyKey, "post", message, ct);
            if (posted.Outcome is not DeliveryOutcome.Delivered) return posted.Outcome;
            if (posted.Ts is null) return new DeliveryOutcome.Permanent("slack returned no ts");
            await store.OpenAsync(id, key, posted.Channel ?? channel, posted.Ts, SlackJson.Serialize(message), n.Alert.Fingerprint, n.IdempotencyKey, ct);
            return DeliveryOutcome.Success;
        }
        var outcome = await StepAsync(n, "refire-reply", () => PostOnceAsync(n.IdempotencyKey, "refire-reply", 
            SlackRenderer.RefireReply(c) with { Channel = open.Channel, ThreadTs = open.Ts }, ct), ct);
        if (outcome is DeliveryOutcome.Delivered) await store.SetPodFiringAsync(id, open.Ts, n.Alert.Fingerprint, true, ct);
        return outcome;
    }

    private async Task<DeliveryOutcome> ResolveAsync(Notification n, MessageContent c, CancellationToken ct)
    {
        var open = await store.FindOpenByPodAsync(id, n.Alert.Fingerprint, ct) ?? await store.FindOpenAsync(id, IncidentKey(n), ct);
        if (open is null)
            // Nothing of ours to update (opened elsewhere or before this service): say it once, briefly.
            return await StepAsync(n, "resolved-note", () => PostOnceAsync(n.IdempotencyKey, "resolved-note", SlackRenderer.ResolvedReply(c) with { Channel = channel }, ct), ct);

        if (await store.FiringPodsExceptAsync(id, open.Ts, n.Alert.Fingerprint, ct) > 0)
        {
            var others = await StepAsync(n, "pod-recovered", () => PostOnceAsync(n.IdempotencyKey, "pod-recovered", 
                SlackRenderer.ResolvedReply(c with { Workload = $"pod {c.Pod} recovered; others of {c.Workload} still crash looping" })
                    with { Channel = open.Channel, ThreadTs = open.Ts }, ct), ct);
            if (others is DeliveryOutcome.Delivered) await store.SetPodFiringAsync(id, open.Ts, n.Alert.Fingerprint, false, ct);
            return others;
        }

        var original = SlackJson.Deserialize(open.MessageJson) ?? new SlackMessage { Text = c.Summary };
        var lasted = c with { Lasted = c.Lasted ?? time.GetUtcNow() - open.OpenedAt };
        var updated = await StepAsync(n, "update", () => api.UpdateAsync(
            SlackRenderer.MarkResolved(original, lasted) with { Channel = open.Channel, Ts = open.Ts, ThreadTs = null, UnfurlLinks = null, UnfurlMedia = null, Metadata = null }, ct), ct);
        if (updated is not DeliveryOutcome.Delivered) return updated;
        var replied = await StepAsync(n, "resolved-reply", () => PostOnceAsync(n.IdempotencyKey, "resolved-reply", 
            SlackRenderer.ResolvedReply(lasted) with { Channel = open.Channel, ThreadTs = open.Ts }, ct), ct);
        if (replied is not DeliveryOutcome.Delivered) return replied;
        await store.SetPodFiringAsync(id, open.Ts, n.Alert.Fingerprint, false, ct);
        await store.ResolveAsync(id, open.Ts, ct);
        return DeliveryOutcome.Success;
    }

    /// <summary>
    /// The digest, then one thread reply per pod. Each post takes a token of the channel's pace; when there is none,
    /// the attempt ends retryable and the next one goes on from the steps recorded. A firing
    /// digest becomes the incident of its pods; a digest of recoveries closes the incidents it empties.
    /// </summary>
    public async Task<DeliveryOutcome> PostDigestAsync(StormDigest digest, CancellationToken ct)
    {
        var digestKey = "digest:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Join('\n', digest.Entries.Select(e => e.IdempotencyKey).Order(StringComparer.Ordinal)))));
        string? ts;
        // Only the top message takes the incident lock; the paced replies must not hold up other alerts.
        await _gate.WaitAsync(ct);
        try
        {
            await using var conversation = await store.LockConversationAsync(id, ct);
            ts = (await store.FindStepAsync(id, digestKey, "post", ct))?.Ts;
            if (ts is null)
            {
                var message = SlackDigestRenderer.Render(digest, detailsInThread: true) with { Channel = channel };
                var posted = await PostOnceAsync(digestKey, "post", message, ct);
                if (posted.Outcome is not DeliveryOutcome.Delivered) return posted.Outcome;
                ts = posted.Ts ?? "";
                if (!digest.Resolved && ts.Length > 0)
                    await store.OpenDigestAsync(id, digestKey, posted.Channel ?? channel, ts, SlackJson.Serialize(message),
                        [.. digest.Entries.Select(e => e.Fingerprint).OfType<string>()], ct);
                await store.MarkStepAsync(id, digestKey, "post", ts, ct);
            }
            if (digest.Resolved)
                return await CloseIncidentsAsync(digest, ct);
        }
        finally
        {
            _gate.Release();
        }
        if (ts.Length == 0) return DeliveryOutcome.Success;
        foreach (var entry in digest.Entries.Take(MaxThreadReplies))
        {
            if (await store.FindStepAsync(id, entry.IdempotencyKey, "digest-reply", ct) is not null) continue;
            var reply = await StepAsync(entry.IdempotencyKey, "digest-reply", () => PostOnceAsync(entry.IdempotencyKey, "digest-reply",
                SlackRenderer.Render(entry.Content) with { Channel = channel, ThreadTs = ts }, ct), ct);
            if (reply is not DeliveryOutcome.Delivered) return reply;
        }
        var rest = digest.Entries.Skip(MaxThreadReplies).ToList();
        if (rest.Count == 0) return DeliveryOutcome.Success;
        return await StepAsync(digestKey, "more-pods", () => PostOnceAsync(digestKey, "more-pods",
            SlackDigestRenderer.MorePods(rest) with { Channel = channel, ThreadTs = ts }, ct), ct);
    }

    /// <summary>
    /// Per-pod replies in a digest's thread stop here and the rest are named in one reply: every reply takes the
    /// channel's pace (one a second), and a thousand of them would hold the channel for a quarter of an hour.
    /// </summary>
    public int MaxThreadReplies { get; init; } = 20;

    /// <summary>Recovered pods leave their incidents; an incident left with no firing pod is marked resolved.</summary>
    private async Task<DeliveryOutcome> CloseIncidentsAsync(StormDigest digest, CancellationToken ct)
    {
        foreach (var entry in digest.Entries.Where(e => e.Fingerprint is not null))
        {
            var open = await store.FindOpenByPodAsync(id, entry.Fingerprint!, ct);
            if (open is null) continue;
            if (await store.FiringPodsExceptAsync(id, open.Ts, entry.Fingerprint!, ct) == 0)
            {
                var original = SlackJson.Deserialize(open.MessageJson) ?? new SlackMessage { Text = entry.Content.Summary };
                var lasted = entry.Content with { Lasted = entry.Content.Lasted ?? time.GetUtcNow() - open.OpenedAt };
                var updated = await StepAsync(entry.IdempotencyKey, "update", () => api.UpdateAsync(
                    SlackRenderer.MarkResolved(original, lasted) with { Channel = open.Channel, Ts = open.Ts, ThreadTs = null, UnfurlLinks = null, UnfurlMedia = null, Metadata = null }, ct), ct);
                if (updated is not DeliveryOutcome.Delivered) return updated;
                await store.ResolveAsync(id, open.Ts, ct);
            }
            await store.SetPodFiringAsync(id, open.Ts, entry.Fingerprint!, false, ct);
        }
        return DeliveryOutcome.Success;
    }

    /// <summary>
    /// chat.postMessage exactly once across crashes. The attempt is recorded before the post and the message carries
    /// its key in metadata; an attempt recorded without a result (the process died, or the answer was lost) means
    /// the post may have happened, so the channel (or the thread) is searched for that key first and a message found
    /// there is adopted instead of posted again.
    /// </summary>
    private async Task<SlackApiClient.Result> PostOnceAsync(string idempotencyKey, string step, SlackMessage message, CancellationToken ct)
    {
        var key = $"{id}|{idempotencyKey}|{step}";
        if (await store.AttemptedAtAsync(id, idempotencyKey, step, ct) is { } attempted)
        {
            var found = await api.FindPostedAsync(message.Channel!, message.ThreadTs, key, attempted - ClockSkew, ct);
            if (found.Outcome is not DeliveryOutcome.Delivered || found.Ts is not null) return found;
        }
        await store.MarkAttemptAsync(id, idempotencyKey, step, ct);
        SlackApiClient.Result posted;
        try
        {
            posted = await api.PostMessageAsync(message with { Metadata = SlackMetadata.For(key) }, ct);
        }
        catch (Delivery.DestinationPacedException)
        {
            await store.ClearAttemptAsync(id, idempotencyKey, step, ct);
            throw;
        }
        // Slack answered: the post happened (delivered) or surely did not; only a lost answer leaves the mark.
        if (posted.Answered && posted.Outcome is not DeliveryOutcome.Delivered) await store.ClearAttemptAsync(id, idempotencyKey, step, ct);
        return posted;
    }

    /// <summary>How far Slack's clock (the message ts) may be behind ours when searching for an earlier attempt.</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private Task<DeliveryOutcome> StepAsync(Notification n, string step, Func<Task<SlackApiClient.Result>> call, CancellationToken ct) =>
        StepAsync(n.IdempotencyKey, step, call, ct);

    private async Task<DeliveryOutcome> StepAsync(string idempotencyKey, string step, Func<Task<SlackApiClient.Result>> call, CancellationToken ct)
    {
        if (await store.FindStepAsync(id, idempotencyKey, step, ct) is not null) return DeliveryOutcome.Success;
        var result = await call();
        if (result.Outcome is DeliveryOutcome.Delivered) await store.MarkStepAsync(id, idempotencyKey, step, result.Ts, ct);
        return result.Outcome;
    }
}
