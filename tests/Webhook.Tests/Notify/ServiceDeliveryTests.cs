using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Webhook.Alerts;
using Webhook.Collect;
using Webhook.Diagnosis;
using Webhook.Inbox;
using Webhook.Tests.Support;

namespace Webhook.Tests.Notify;

/// <summary>The chat destinations inside the running service: inbox, pipeline, delivery stage, real HTTP.</summary>
public class ServiceDeliveryTests : IAsyncLifetime
{
    private ChatStandIn _chat = null!;
    private WebhookApp _app = null!;
    private Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> _factory = null!;

    public async Task InitializeAsync()
    {
        _chat = await ChatStandIn.StartAsync();
        _app = new WebhookApp(new Dictionary<string, string?>
        {
            ["Routes:default:Slack:WebhookUrl"] = _chat.SlackWebhookUrl,
            ["Routes:default:Teams:WorkflowUrl"] = _chat.TeamsUrl,
            ["Routes:bot:Slack:BotToken"] = ChatStandIn.BotToken,
            ["Routes:bot:Slack:Channel"] = ChatStandIn.Channel,
            ["Routes:bot:Slack:ApiBaseUrl"] = _chat.SlackApiBase,
        });
        _factory = _app.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<IPodCollector, WorkloadCollector>()));
        _ = _factory.Server;
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _app.DisposeAsync();
        await _chat.DisposeAsync();
    }

    private SqliteInbox Inbox => _factory.Services.GetRequiredService<SqliteInbox>();

    private async Task PostAsync(string route, params System.Text.Json.Nodes.JsonObject[] alerts)
    {
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", WebhookApp.Token);
        var response = await client.PostAsync("/alerts" + route,
            new StringContent(Payloads.Group(alerts).ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private async Task DeliveredAsync(int items) =>
        await Eventually.True(() => Inbox.CountsAsync(default).GetAwaiter().GetResult().Delivered == items, $"{items} delivered item(s)");

    [Fact]
    public async Task ThrottledAndFailingChatsEachShowTheAlertExactlyOnce()
    {
        _chat.Script("slack-webhook", 429, retryAfterSeconds: 1, times: 2);
        _chat.Script("teams", 503, times: 2);
        await PostAsync("", Payloads.Alert("throttled"));

        await DeliveredAsync(1);
        Assert.Equal(1, _chat.AcceptedCount("slack-webhook"));
        Assert.Equal(1, _chat.AcceptedCount("teams"));
        Assert.Equal(3, _chat.To("teams").Count());
    }

    [Fact]
    public async Task TwoPodsOfOneWorkloadFiringAndRecoveringMakeOneMessageRepliesAndOneUpdate()
    {
        await PostAsync("/bot", Payloads.Alert("pod-a", pod: "api-7d9f8c6b5-aaaaa"));
        await DeliveredAsync(1);
        await PostAsync("/bot", Payloads.Alert("pod-b", pod: "api-7d9f8c6b5-bbbbb"));
        await DeliveredAsync(2);
        await PostAsync("/bot", Payloads.Alert("pod-a", status: "resolved", pod: "api-7d9f8c6b5-aaaaa"));
        await DeliveredAsync(3);
        await PostAsync("/bot", Payloads.Alert("pod-b", status: "resolved", pod: "api-7d9f8c6b5-bbbbb"));
        await DeliveredAsync(4);

        var posts = _chat.SlackApiAccepted.ToList();
        var top = Assert.Single(posts, p => p.Method == "chat.postMessage" && p.ThreadTs is null);
        Assert.Equal(3, posts.Count(p => p.ThreadTs == top.Ts)); // pod b fired, pod a recovered, resolved
        var update = Assert.Single(posts, p => p.Method == "chat.update");
        Assert.Equal(top.Ts, update.Ts);
    }

    [Fact]
    public async Task NoHttpHandlerRetriesAPostToAChatOrWebhook()
    {
        foreach (var endpoint in new[] { "slack-webhook", "teams", "webhook" }) _chat.FailAlways(endpoint, 503);
        // A long backoff: after the first attempt the inbox waits, so any second request would be a handler's retry.
        await using var service = ChatService.Start(new Dictionary<string, string?>
        {
            ["Routes:default:Slack:WebhookUrl"] = _chat.SlackWebhookUrl,
            ["Routes:default:Teams:WorkflowUrl"] = _chat.TeamsUrl,
            ["Routes:default:Webhook:Url"] = _chat.WebhookUrl,
            ["Pipeline:BaseBackoff"] = "00:10:00",
            ["Pipeline:MaxBackoff"] = "00:10:00",
        });
        await service.PostAsync("", ChatService.Group("g1", Payloads.Alert("once")));
        await Eventually.True(() => service.LastErrors().Count == 1, "the first attempt to be recorded");
        Assert.Single(_chat.To("slack-webhook"));
        Assert.Single(_chat.To("teams"));
        Assert.Single(_chat.To("webhook"));
    }

    [Fact]
    public async Task AChatThatHangsDoesNotDelayAnotherRoute()
    {
        var hang = new TaskCompletionSource();
        _chat.Slow("slack-webhook", hang.Task);
        await using var service = ChatService.Start(new Dictionary<string, string?>
        {
            ["Routes:default:Slack:WebhookUrl"] = _chat.SlackWebhookUrl,
            ["Routes:other:Webhook:Url"] = _chat.WebhookUrl,
        });
        try
        {
            // More alerts for the hanging chat than there are workers, all of them ahead of the other route's.
            for (var i = 0; i < 8; i++) await service.PostAsync("", ChatService.Group($"g{i}", Payloads.Alert($"hang-{i}", pod: $"api-{i}")));
            await Eventually.True(() => _chat.Arrived("slack-webhook") > 0, "a post to reach the hanging chat");
            var sent = System.Diagnostics.Stopwatch.StartNew();
            await service.PostAsync("/other", ChatService.Group("other", Payloads.Alert("other-1", pod: "billing-1")));
            await Eventually.True(() => _chat.To("webhook").Any(r => r.Accepted), "the other route's alert", TimeSpan.FromSeconds(30));
            Assert.True(sent.Elapsed <= TimeSpan.FromSeconds(5), $"the other route waited {sent.Elapsed.TotalSeconds:F1} s behind a hanging chat");
            // One worker waits on the hanging chat; the others never queued behind it.
            Assert.Equal(1, _chat.Arrived("slack-webhook"));
        }
        finally
        {
            hang.SetResult();
        }
    }

    /// <summary>What the Kubernetes collector reports for a Deployment's pod.</summary>
    private sealed class WorkloadCollector : IPodCollector
    {
        public Task<PodSnapshot> CollectAsync(AlertContext alert, CancellationToken cancellationToken) =>
            Task.FromResult(Samples.For(Causes.ConfigError, pod: alert.Pod!).Snapshot);
    }
}
