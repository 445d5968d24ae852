using Webhook.Notify.Http;
using Webhook.Tests.Support;

namespace Webhook.Tests.Notify;

/// <summary>
/// Like Alertmanager's AssertNotifyLeaksNoSecret, through the service as shipped: no failure reason (stored in the
/// inbox, logged) names a credential, whatever the destination answers or when it cannot be reached.
/// </summary>
public class LeakTests : IAsyncLifetime
{
    private ChatStandIn _chat = null!;
    public async Task InitializeAsync() => _chat = await ChatStandIn.StartAsync();
    public async Task DisposeAsync() => await _chat.DisposeAsync();

    private static readonly string[] Credentials =
        ["standinwebhooksecret0001", "standinteamssig0001", ChatStandIn.BotToken, "closedPORTsecret", "T000/B000", "standinwebhooktoken"];

    private static async Task AssertNoCredentialAsync(ChatService service, params string[] expectedInReasons)
    {
        await Eventually.True(() => expectedInReasons.All(e => service.LastErrors().Any(r => r.Contains(e))),
            () => $"failure reasons naming {string.Join(", ", expectedInReasons)}; stored: {string.Join(" | ", service.LastErrors())}");
        var texts = service.LastErrors().Concat(service.Logs.Entries.Select(e => e.Message)).ToList();
        foreach (var credential in Credentials)
            Assert.DoesNotContain(texts, t => t.Contains(credential, StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData(400)]
    [InlineData(500)]
    public async Task AServerThatEchoesTheRequestGetsNoCredentialIntoTheReason(int status)
    {
        _chat.EchoOnFailure = true;
        foreach (var endpoint in new[] { "slack-webhook", "teams", "slack-api", "webhook" }) _chat.FailAlways(endpoint, status);
        await using var service = ChatService.Start(new Dictionary<string, string?>
        {
            ["Routes:default:Slack:WebhookUrl"] = _chat.SlackWebhookUrl,
            ["Routes:default:Teams:WorkflowUrl"] = _chat.TeamsUrl,
            ["Routes:default:Webhook:Url"] = _chat.WebhookUrl,
            ["Routes:bot:Slack:BotToken"] = ChatStandIn.BotToken,
            ["Routes:bot:Slack:Channel"] = ChatStandIn.Channel,
            ["Routes:bot:Slack:ApiBaseUrl"] = _chat.SlackApiBase,
        });
        await service.PostAsync("", ChatService.Group("g1", Payloads.Alert("leak-1")));
        await service.PostAsync("/bot", ChatService.Group("g2", Payloads.Alert("leak-2")));

        await AssertNoCredentialAsync(service, "default/slack: http " + status, "default/teams: http " + status,
            $"default/webhook: HTTP {status}", "bot/slack: http " + status);
        Assert.Contains(_chat.Requests, r => r.Status == status && r.Endpoint == "slack-api");
    }

    [Fact]
    public async Task AnUnreachableDestinationGetsNoCredentialIntoTheReason()
    {
        var closed = "http://127.0.0.1:9/services/T000/B000/closedPORTsecret?sig=closedPORTsecret";
        await using var service = ChatService.Start(new Dictionary<string, string?>
        {
            ["Routes:default:Slack:WebhookUrl"] = closed,
            ["Routes:default:Teams:WorkflowUrl"] = closed,
            ["Routes:default:Webhook:Url"] = closed,
            ["Routes:bot:Slack:BotToken"] = ChatStandIn.BotToken,
            ["Routes:bot:Slack:Channel"] = ChatStandIn.Channel,
            ["Routes:bot:Slack:ApiBaseUrl"] = "http://127.0.0.1:9/api/",
        });
        await service.PostAsync("", ChatService.Group("g1", Payloads.Alert("leak-1")));
        await service.PostAsync("/bot", ChatService.Group("g2", Payloads.Alert("leak-2")));

        await AssertNoCredentialAsync(service, "default/slack: transport error", "default/teams: transport error",
            "default/webhook: transport error", "bot/slack: transport error");
    }

    [Fact]
    public void ASecretPrintsAsAMaskWhereverItIsFormatted()
    {
        var secret = new Secret(_chat.SlackWebhookUrl);
        Assert.Equal("****", secret.ToString());
        Assert.Equal("url ****", $"url {secret}");
    }
}
