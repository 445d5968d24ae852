using Webhook.Diagnosis;
using Webhook.Notify.Http;
using Webhook.Notify.Slack;
using Webhook.Notify.Teams;
using static Webhook.Tests.Notify.NotifyTestKit;

namespace Webhook.Tests.Notify;

/// <summary>Like Alertmanager's AssertNotifyLeaksNoSecret: no failure reason (logged, stored in the inbox) names a credential.</summary>
public class LeakTests : IAsyncLifetime
{
    private ChatStandIn _chat = null!;
    public async Task InitializeAsync() => _chat = await ChatStandIn.StartAsync();
    public async Task DisposeAsync() => await _chat.DisposeAsync();

    private static readonly string[] Credentials =
        ["standinwebhooksecret0001", "standinteamssig0001", ChatStandIn.BotToken, "closedPORTsecret", "T000/B000"];

    private static void AssertNoCredential(DeliveryOutcome outcome)
    {
        var reason = outcome switch { DeliveryOutcome.Retryable r => r.Reason, DeliveryOutcome.Permanent p => p.Reason, _ => "" };
        Assert.NotEqual("", reason);
        foreach (var credential in Credentials) Assert.DoesNotContain(credential, reason);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(500)]
    public async Task AServerThatEchoesTheRequestGetsNoCredentialIntoTheReason(int status)
    {
        _chat.EchoOnFailure = true;
        foreach (var endpoint in new[] { "slack-webhook", "teams", "slack-api" }) _chat.FailAlways(endpoint, status);
        var n = Samples.For(Causes.OomKilled);

        AssertNoCredential(await new SlackWebhookNotifier("r/slack", new Secret(_chat.SlackWebhookUrl), Http(), Content).SendAsync(n, default));
        AssertNoCredential(await new TeamsNotifier("r/teams", new Secret(_chat.TeamsUrl), Http(), Content).SendAsync(n, default));
        var api = new SlackApiClient(new Secret(ChatStandIn.BotToken), new Uri(_chat.SlackApiBase), Http());
        AssertNoCredential((await api.PostMessageAsync(new SlackMessage { Channel = ChatStandIn.Channel, Text = "x" }, default)).Outcome);
        Assert.Contains(_chat.Requests, r => r.Status == status);
    }

    [Fact]
    public async Task AnUnreachableDestinationGetsNoCredentialIntoTheReason()
    {
        var n = Samples.For(Causes.OomKilled);
        var closed = "http://127.0.0.1:9/services/T000/B000/closedPORTsecret?sig=closedPORTsecret";
        AssertNoCredential(await new SlackWebhookNotifier("r/slack", new Secret(closed), Http(), Content).SendAsync(n, default));
        AssertNoCredential(await new TeamsNotifier("r/teams", new Secret(closed), Http(), Content).SendAsync(n, default));
        var api = new SlackApiClient(new Secret(ChatStandIn.BotToken), new Uri("http://127.0.0.1:9/api/"), Http());
        AssertNoCredential((await api.PostMessageAsync(new SlackMessage { Channel = ChatStandIn.Channel, Text = "x" }, default)).Outcome);
    }

    [Fact]
    public void ASecretPrintsAsAMaskWhereverItIsFormatted()
    {
        var secret = new Secret(_chat.SlackWebhookUrl);
        Assert.Equal("****", secret.ToString());
        Assert.Equal("url ****", $"url {secret}");
    }
}
