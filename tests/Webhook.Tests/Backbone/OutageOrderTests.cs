using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Webhook.Inbox;

namespace Webhook.Tests.Backbone;

/// <summary>
/// A destination that answers 503 while pods fire and then resolve, then recovers: on-call's last message per pod
/// must be the truth. Every firing still undelivered when its resolved arrives is superseded or was posted first.
/// </summary>
public sealed class OutageOrderTests : IAsyncLifetime
{
    const int Pods = 40;
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
            // Short backoff so the recovery is seen soon; the order must not depend on it.
            ["Pipeline:MaxBackoff"] = "00:00:00.500",
            // The breaker's open time is honoured as a Retry-After; the default 30 s would only slow the test.
            ["Delivery:BreakDuration"] = "00:00:01",
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
        // Every firing has met the outage (a 503, or the circuit breaker it opened) at least once, so each is waiting
        // for a retry or in flight. A new inbox numbers its items from 1 in arrival order.
        await Eventually.TrueAsync(async () =>
        {
            for (var id = 1; id <= Pods; id++)
                if (await inbox.FindAsync(id, default) is not { Attempts: > 0 }) return false;
            return true;
        }, Deadline, "every firing to be attempted during the outage");
        Assert.Contains(_receiver.Requests, r => r.Status == 503);
        foreach (var fingerprint in fingerprints) await PostAsync(client, fingerprint, "resolved");
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
}
