using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Webhook.Inbox;
using Webhook.Tests.Support;

namespace Webhook.Tests.Backbone;

public sealed class PipelineTests : IAsyncLifetime
{
    TestReceiver _receiver = null!;
    WebhookApp _app = null!;
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    public async Task InitializeAsync()
    {
        _receiver = await TestReceiver.StartAsync();
        _app = new WebhookApp(new Dictionary<string, string?>
        {
            ["Routes:default:Webhook:Url"] = _receiver.Url(),
            // Long enough for several retries at the 50 ms backoff the tests use, short enough to reach in a test.
            ["Pipeline:MaxRetryAge"] = "00:00:01",
        });
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    Task<HttpResponseMessage> Post(JsonNode group, string path = "/alerts") =>
        _app.CreateAuthorizedClient().PostAsync(path, new StringContent(group.ToJsonString(), Encoding.UTF8, "application/json"));

    IInboxStore Inbox => _app.Services.GetRequiredService<IInboxStore>();

    Task SettledAsync() => Eventually.TrueAsync(async () =>
    {
        var counts = await Inbox.CountsAsync(default);
        return counts.Pending == 0 && counts.InFlight == 0;
    }, Deadline, "the inbox to have nothing pending or in flight");

    [Fact]
    public async Task AnAlertReachesTheGenericWebhookAsOneDocumentWithItsContext()
    {
        var group = Payloads.Group(Payloads.Alert("doc1"), Payloads.Alert("doc2", pod: "api-other"));
        await Post(group);

        await Eventually.TrueAsync(() => _receiver.Accepted.Count == 2, Deadline, "two documents");
        var document = JsonNode.Parse(_receiver.Accepted.Single(r => r.Body.Contains("doc1")).Body)!.AsObject();
        Assert.Equal("unknown", (string?)document["cause"]);
        Assert.Equal("firing", (string?)document["status"]);
        Assert.Equal("shop", (string?)document["labels"]!["namespace"]);
        Assert.Equal("Pod is crash looping.", (string?)document["annotations"]!["summary"]);
        Assert.Equal("doc1", (string?)document["fingerprint"]);
        Assert.Equal("http://alertmanager.local:9093", (string?)document["externalURL"]);
        Assert.Equal((string?)group["groupKey"], (string?)document["groupKey"]);
        Assert.NotNull(document["summary"]);
        Assert.NotNull(document["evidence"]);
        Assert.NotNull(document["remediation"]);
        Assert.True(document.ContainsKey("exitCode") && document.ContainsKey("restartCount") && document.ContainsKey("confidence"));
        Assert.Null((string?)document["endsAt"]);
    }

    [Fact]
    public async Task TheSamePayloadPostedFiveTimesIsDeliveredOnce()
    {
        for (var i = 0; i < 5; i++)
            Assert.Equal(HttpStatusCode.Accepted, (await Post(Payloads.Group(Payloads.Alert("five")))).StatusCode);

        await SettledAsync();
        Assert.Single(_receiver.Requests);
    }

    [Fact]
    public async Task AFailedDeliveryIsRetriedWithTheSameIdempotencyKey()
    {
        _receiver.StatusFor = n => n < 2 ? 503 : 200;
        await Post(Payloads.Group(Payloads.Alert("retry")));

        await Eventually.TrueAsync(() => _receiver.Accepted.Count == 1, Deadline, "a delivery after two 503s");
        await SettledAsync();
        var keys = _receiver.Requests.Select(r => r.Headers["Idempotency-Key"]).Distinct().ToList();
        Assert.Equal(3, _receiver.Requests.Count);
        Assert.Single(keys);
        Assert.Equal(1, (await Inbox.CountsAsync(default)).Delivered);
    }

    [Fact]
    public async Task AnItemTurnedAwayByABusyDestinationKeepsItsAttemptCountUntilItIsSent()
    {
        // The shipped Delivery settings: two posts in flight per webhook destination, a busy item back after 0.5 s.
        var maxInFlight = new Webhook.Notify.Delivery.DeliveryResilienceOptions().Rates["webhook"].MaxInFlight;
        var release = new TaskCompletionSource();
        await using var receiver = await TestReceiver.StartAsync();
        receiver.HoldFor = n => n < maxInFlight ? release.Task : Task.CompletedTask;
        // The held posts must outlast the turn-aways however slow the machine: the shipped 10 s post timeout, and the
        // shipped 60 s Pipeline:ItemTimeout of the items that hold them, would free their slots and let the waiting
        // item through before its third turn-away on a loaded machine (both seen in whole-suite runs).
        await using var app = new WebhookApp(new Dictionary<string, string?>
        {
            ["Routes:default:Webhook:Url"] = receiver.Url(), ["Routes:default:Webhook:Timeout"] = "00:10:00",
            ["Pipeline:ItemTimeout"] = "00:10:00",
        });
        var client = app.CreateAuthorizedClient();
        var inbox = app.Services.GetRequiredService<IInboxStore>();
        for (var i = 0; i < maxInFlight; i++)
            await client.PostAsync("/alerts", new StringContent(Payloads.Group(Payloads.Alert($"held-{i}", pod: $"api-held-{i}")).ToJsonString(), Encoding.UTF8, "application/json"));
        await Eventually.TrueAsync(() => receiver.Requests.Count == maxInFlight, Deadline, "the first posts to be held at the destination");

        await client.PostAsync("/alerts", new StringContent(Payloads.Group(Payloads.Alert("waiting", pod: "api-waiting")).ToJsonString(), Encoding.UTF8, "application/json"));
        await Eventually.TrueAsync(async () => NotSent(await app.CreateClient().GetStringAsync("/metrics")) >= 3, TimeSpan.FromMinutes(2),
            "the last item to be turned away three times");
        var waitingId = maxInFlight + 1L; // ids follow arrival in a new inbox
        // Pending, or already claimed for its next try: either way turned away so far and not counted.
        var waiting = (await inbox.FindAsync(waitingId, default))!;
        Assert.Contains(waiting.State, new[] { InboxStates.Pending, InboxStates.InFlight });
        Assert.Contains("destination busy", waiting.LastError);
        Assert.Equal(0, waiting.Attempts); // nothing left the process: no attempt counted, so no backoff grew

        release.SetResult();
        await Eventually.TrueAsync(async () => (await inbox.CountsAsync(default)).Delivered == maxInFlight + 1, Deadline, "every item to be delivered");
        Assert.Equal(1, (await inbox.FindAsync(waitingId, default))!.Attempts);
        Assert.Equal(maxInFlight + 1, receiver.Requests.Count);

        static long NotSent(string metrics) => metrics.Split('\n')
            .Where(l => l.StartsWith("webhook_deliveries_total{", StringComparison.Ordinal) && l.Contains("outcome=\"not_sent\""))
            .Sum(l => (long)double.Parse(l[(l.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task AnItemThatKeepsFailingIsRetriedUntilTheMaximumAgeAndThenDeadWithItsReason()
    {
        _receiver.StatusFor = _ => 500;
        await Post(Payloads.Group(Payloads.Alert("dead")));

        await Eventually.TrueAsync(async () => (await Inbox.CountsAsync(default)).Dead == 1, Deadline, "the item to be dead");
        Assert.True(_receiver.Requests.Count >= 2, $"{_receiver.Requests.Count} attempt(s): a retryable failure is retried");
        var status = JsonNode.Parse(await _app.CreateClient().GetStringAsync("/status"))!;
        Assert.Equal(1, (int)status["inbox"]!["dead"]!);
        Assert.Equal(0, (int)status["inbox"]!["pending"]!);
        var listed = Assert.Single(status["failed"]!.AsArray());
        Assert.Equal("dead", (string?)listed!["state"]);
        Assert.Equal("dead", (string?)listed["fingerprint"]);
        // The last attempt's reason (an HTTP 500, or the circuit breaker it opened), naming the destination.
        Assert.StartsWith("default/webhook: ", (string?)listed["reason"]);
        Assert.Contains("Pipeline:MaxRetryAge", (string?)listed["reason"]);
    }

    [Fact]
    public async Task APermanentRejectionFailsAtOnceAndAnOperatorRequeuesItWithTheServiceToken()
    {
        _receiver.StatusFor = n => n == 0 ? 400 : 200;
        await Post(Payloads.Group(Payloads.Alert("bad-request")));

        await Eventually.TrueAsync(async () => (await Inbox.CountsAsync(default)).Failed == 1, Deadline, "the item to fail");
        // Terminal: failed is a state no claim takes, so nothing (no interval, no clock) brings it back by itself.
        var status = JsonNode.Parse(await _app.CreateClient().GetStringAsync("/status"))!;
        var listed = Assert.Single(status["failed"]!.AsArray())!;
        Assert.Equal("failed", (string?)listed["state"]);
        Assert.Contains("400", (string?)listed["reason"]);
        Assert.Equal("failed", (await Inbox.FindAsync((long)listed["id"]!, default))!.State);
        Assert.Single(_receiver.Requests);

        var id = (long)listed["id"]!;
        Assert.Equal(HttpStatusCode.Unauthorized, (await _app.CreateClient().PostAsync($"/status/failed/{id}/retry", null)).StatusCode);
        var requeued = await _app.CreateAuthorizedClient().PostAsync($"/status/failed/{id}/retry", null);
        Assert.Equal(HttpStatusCode.OK, requeued.StatusCode);

        await Eventually.TrueAsync(() => _receiver.Accepted.Count == 1, Deadline, "the re-queued item to be delivered");
        await SettledAsync();
        Assert.Equal(1, (await Inbox.CountsAsync(default)).Delivered);
        Assert.Single(_receiver.Requests.Select(r => r.Headers["Idempotency-Key"]).Distinct());
    }

    [Theory]
    [InlineData("abc", HttpStatusCode.BadRequest)]
    [InlineData("-1", HttpStatusCode.BadRequest)]
    [InlineData("99999999999999999999", HttpStatusCode.BadRequest)]
    [InlineData("424242", HttpStatusCode.NotFound)]
    public async Task RequeueingSomethingThatIsNoItemIsAProblemNotAServerError(string id, HttpStatusCode expected)
    {
        var response = await _app.CreateAuthorizedClient().PostAsync($"/status/failed/{id}/retry", null);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task RequeueingADeliveredItemIsAConflict()
    {
        await Post(Payloads.Group(Payloads.Alert("fine")));
        await Eventually.TrueAsync(() => _receiver.Accepted.Count == 1, Deadline, "a delivery");
        await SettledAsync();
        // The first item of a new inbox is number 1.
        Assert.Equal("delivered", (await Inbox.FindAsync(1, default))!.State);

        var response = await _app.CreateAuthorizedClient().PostAsync("/status/failed/1/retry", null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
    }

    [Fact]
    public async Task ReadinessAndStatusAnswerWhileTheInboxWorks()
    {
        var client = _app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
        var status = JsonNode.Parse(await client.GetStringAsync("/status"))!;
        Assert.NotNull(status["inbox"]!["inFlight"]);
        Assert.Equal("webhook", (string?)status["routes"]!["default"]![0]);
    }
}
