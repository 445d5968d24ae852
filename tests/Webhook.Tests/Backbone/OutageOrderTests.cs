using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Webhook.Inbox;
using Webhook.Notify.Delivery;
using Webhook.Notify.Storm;
using Webhook.Pipeline;

namespace Webhook.Tests.Backbone;

/// <summary>
/// A destination that answers 503 while pods fire and then resolve, then recovers: on-call's last message per pod
/// must be the truth. Every firing still undelivered when its resolved arrives is superseded or was posted first.
/// The outage lasts longer than one full backoff cycle of the shipped retry stage: every firing is refused until its
/// backoff has reached its cap. Minutes with the shipped values (2 s doubling to 5 min), so the test runs the
/// shipped shape on a 200 times shorter clock; tests/bench/outage.sh runs a 5-minute outage with the shipped values.
/// </summary>
public sealed class OutageOrderTests : IAsyncLifetime
{
    const int Pods = 40;
    const int Scale = 200;
    static readonly PipelineOptions Shipped = new();
    static readonly TimeSpan BaseBackoff = Shipped.BaseBackoff / Scale, MaxBackoff = Shipped.MaxBackoff / Scale;
    /// <summary>The attempt whose backoff is the cap: 9 for 2 s doubling to 5 min (2 s × 2^8 = 512 s).</summary>
    static readonly int FullCycle = (int)Math.Ceiling(Math.Log2(MaxBackoff / BaseBackoff)) + 1;
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    TestReceiver _receiver = null!;
    WebhookApp _app = null!;
    volatile bool _outage = true;

    public async Task InitializeAsync()
    {
        _receiver = await TestReceiver.StartAsync();
        _receiver.StatusFor = _ => _outage ? 503 : 200;
        _app = new WebhookApp(new Dictionary<string, string?>
        {
            ["Routes:default:Webhook:Url"] = _receiver.Url(),
            ["Pipeline:BaseBackoff"] = BaseBackoff.ToString("c"),
            ["Pipeline:MaxBackoff"] = MaxBackoff.ToString("c"),
            // The breaker's open time is honoured as a Retry-After: on the same shorter clock, as far as Polly allows
            // (its breaker takes 0.5 s at least).
            ["Delivery:BreakDuration"] = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(500).Ticks,
                (new DeliveryResilienceOptions().BreakDuration / Scale).Ticks)).ToString("c"),
        });
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    async Task PostAsync(HttpClient client, string fingerprint, string status)
    {
        var body = Payloads.Group(Payloads.Alert(fingerprint, status, pod: $"api-{fingerprint}")).ToJsonString();
        var response = await client.PostAsync("/alerts", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task AfterAnOutageNoPodsResolvedIsFollowedByItsFiring()
    {
        var client = _app.CreateAuthorizedClient();
        var inbox = _app.Services.GetRequiredService<IInboxStore>();
        var fingerprints = Enumerable.Range(0, Pods).Select(i => $"outage-{i:D2}").ToList();

        foreach (var fingerprint in fingerprints) await PostAsync(client, fingerprint, "firing");
        // The outage lasts until every firing has met it (a 503, or the circuit breaker it opened) so often that its
        // next wait is the cap: counted in attempts, not in time, so a slow machine makes it longer, never shorter.
        // A new inbox numbers its items from 1 in arrival order.
        await AttemptedAsync(inbox, 1, Pods, FullCycle, "every firing to be retried until its backoff reached the cap");
        Assert.True(_receiver.Requests.Any(r => r.Status == 503), $"the outage met by the destination; first item: {(await inbox.FindAsync(1, default))?.LastError}");
        foreach (var fingerprint in fingerprints) await PostAsync(client, fingerprint, "resolved");
        // Each resolved meets the outage too (its firing superseded, or still ahead of it and then posted first).
        await Eventually.TrueAsync(async () =>
        {
            for (var id = Pods + 1; id <= 2 * Pods; id++)
                if (await inbox.FindAsync(id, default) is not { } resolved
                    || (resolved.Attempts == 0 && resolved.State != InboxStates.Superseded)) return false;
            return true;
        }, Deadline, "every resolved to be attempted during the outage");
        _outage = false;

        await Eventually.TrueAsync(async () =>
        {
            var counts = await inbox.CountsAsync(default);
            return counts.Pending == 0 && counts.InFlight == 0;
        }, Deadline, "the inbox to drain after the outage");

        var accepted = _receiver.Accepted.Select(r => JsonNode.Parse(r.Body)!)
            .Select(d => (Fingerprint: (string)d["fingerprint"]!, Status: (string)d["status"]!)).ToList();
        var outOfOrder = fingerprints.Where(f =>
        {
            var statuses = accepted.Where(a => a.Fingerprint == f).Select(a => a.Status).ToList();
            var resolvedAt = statuses.IndexOf("resolved");
            return resolvedAt >= 0 && statuses.Skip(resolvedAt + 1).Any(s => s == "firing");
        }).ToList();
        var counts = await inbox.CountsAsync(default);

        Assert.Empty(outOfOrder);
        // Each pod's last word is its resolved, exactly once; nothing lost, nothing given up.
        foreach (var fingerprint in fingerprints)
            Assert.Equal("resolved", accepted.Single(a => a.Fingerprint == fingerprint && a.Status == "resolved").Status);
        Assert.All(accepted.GroupBy(a => a), g => Assert.Single(g));
        Assert.Equal((0, 0), (counts.Failed, counts.Dead));
        Assert.Equal(2 * Pods, counts.Delivered + counts.Superseded);
    }

    [Fact]
    public void TheShippedRetryStageOutlastsAFiveMinuteOutageAndRetriesWithinMaxBackoffOfItsEnd()
    {
        var outage = TimeSpan.FromMinutes(5);
        // An item refused from the outage's first second is still retried after it ends (nothing dead)...
        Assert.True(Shipped.MaxRetryAge > outage + Shipped.MaxBackoff, $"Pipeline:MaxRetryAge {Shipped.MaxRetryAge}");
        Assert.True(new StormOptions().MaxRetryAge > outage + new StormOptions().MaxRetryDelay, "Storm:MaxRetryAge");
        // ...and no later than one capped wait after it: a 5-minute outage is over within one more wait.
        Assert.True(Shipped.MaxBackoff <= outage, $"Pipeline:MaxBackoff {Shipped.MaxBackoff}");
        Assert.Equal(9, FullCycle);
    }

    async Task AttemptedAsync(IInboxStore inbox, int firstId, int lastId, int attempts, string because) =>
        await Eventually.TrueAsync(async () =>
        {
            for (var id = firstId; id <= lastId; id++)
                if (await inbox.FindAsync(id, default) is not { } item || item.Attempts < attempts) return false;
            return true;
        }, Deadline, because);
}
