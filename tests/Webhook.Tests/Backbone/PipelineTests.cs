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
            ["Pipeline:MaxAttempts"] = "3",
            ["Pipeline:DeadLetterRetryInterval"] = "01:00:00",
        });
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    Task<HttpResponseMessage> Post(JsonNode group, string path = "/alerts") =>
        _app.CreateAuthorizedClient().PostAsync(path, new StringContent(group.ToJsonString(), Encoding.UTF8, "application/json"));

    SqliteInbox Inbox => _app.Services.GetRequiredService<SqliteInbox>();

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
    public async Task AnItemThatKeepsFailingIsDeadLetteredWithItsReason()
    {
        _receiver.StatusFor = _ => 500;
        await Post(Payloads.Group(Payloads.Alert("dead")));

        await Eventually.TrueAsync(async () => (await Inbox.CountsAsync(default)).DeadLettered == 1, Deadline, "the item to be dead-lettered");
        Assert.Equal(3, _receiver.Requests.Count);
        var status = JsonNode.Parse(await _app.CreateClient().GetStringAsync("/status"))!;
        Assert.Equal(1, (int)status["inbox"]!["deadLettered"]!);
        Assert.Equal(0, (int)status["inbox"]!["pending"]!);
    }

    [Fact]
    public async Task APermanentRejectionIsDeadLetteredWithoutRetrying()
    {
        _receiver.StatusFor = _ => 400;
        await Post(Payloads.Group(Payloads.Alert("bad-request")));

        await Eventually.TrueAsync(async () => (await Inbox.CountsAsync(default)).DeadLettered == 1, Deadline, "the item to be dead-lettered");
        Assert.Single(_receiver.Requests);
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
