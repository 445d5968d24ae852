using System.Diagnostics;
using Webhook.Diagnosis;
using Webhook.Notify.Http;
using Webhook.Notify.Slack;
using Webhook.Notify.Teams;
using static Webhook.Tests.Notify.NotifyTestKit;

namespace Webhook.Tests.Notify;

public class DeliveryTests : IAsyncLifetime
{
    private ChatStandIn _chat = null!;
    public async Task InitializeAsync() => _chat = await ChatStandIn.StartAsync();
    public async Task DisposeAsync() => await _chat.DisposeAsync();

    private SlackWebhookNotifier Slack() => new("default/slack", new Secret(_chat.SlackWebhookUrl), Http(), Content);
    private TeamsNotifier Teams() => new("default/teams", new Secret(_chat.TeamsUrl), Http(), Content);

    [Fact]
    public async Task ASlackMessageThrottledTwiceIsPostedExactlyOnceAfterHonouringRetryAfter()
    {
        _chat.Script("slack-webhook", 429, retryAfterSeconds: 1, times: 2);
        var started = Stopwatch.StartNew();
        var outcome = await Resilience().ExecuteAsync(Slack(), Samples.For(Causes.OomKilled), CancellationToken.None);
        Assert.IsType<DeliveryOutcome.Delivered>(outcome);
        Assert.Equal(1, _chat.AcceptedCount("slack-webhook"));
        Assert.Equal(3, _chat.To("slack-webhook").Count());
        Assert.True(started.Elapsed >= TimeSpan.FromSeconds(1.9), $"Retry-After ignored: {started.Elapsed}");
    }

    [Fact]
    public async Task WithFastRetriesConfiguredATeamsCardIsPostedExactlyOnceAfterServerErrors()
    {
        _chat.Script("teams", 503, times: 2);
        var outcome = await Resilience(o => o.RetryOnlyThrottled = false).ExecuteAsync(Teams(), Samples.For(Causes.ConfigError), CancellationToken.None);
        Assert.IsType<DeliveryOutcome.Delivered>(outcome);
        Assert.Equal(1, _chat.AcceptedCount("teams"));
    }

    [Fact]
    public async Task ByDefaultAServerErrorGoesBackToTheInboxAfterOneAttempt()
    {
        _chat.Script("teams", 503);
        var outcome = await Resilience().ExecuteAsync(Teams(), Samples.For(Causes.ConfigError), CancellationToken.None);
        Assert.IsType<DeliveryOutcome.Retryable>(outcome);
        Assert.Single(_chat.To("teams"));
    }

    [Fact]
    public async Task ALongRetryAfterGoesBackToTheInboxInsteadOfBlockingAWorker()
    {
        _chat.Script("slack-webhook", 429, retryAfterSeconds: 120);
        var outcome = await Resilience().ExecuteAsync(Slack(), Samples.For(Causes.OomKilled), CancellationToken.None);
        var retry = Assert.IsType<DeliveryOutcome.Retryable>(outcome);
        Assert.Equal(TimeSpan.FromSeconds(120), retry.RetryAfter);
        Assert.Single(_chat.To("slack-webhook"));
    }

    [Fact]
    public async Task APermanentFailureIsNotRetried()
    {
        _chat.Script("slack-webhook", 404);
        var outcome = await Resilience().ExecuteAsync(Slack(), Samples.For(Causes.OomKilled), CancellationToken.None);
        Assert.IsType<DeliveryOutcome.Permanent>(outcome);
        Assert.Single(_chat.To("slack-webhook"));
    }

    [Fact]
    public async Task AnOpenCircuitSendsNothing()
    {
        _chat.FailAlways("teams", 500);
        var resilience = Resilience(o => { o.MaxRetryAttempts = 0; o.MinimumThroughput = 2; o.FailureRatio = 0.5; o.BreakDuration = TimeSpan.FromMinutes(5); });
        var teams = Teams();
        DeliveryOutcome outcome = DeliveryOutcome.Success;
        for (var i = 0; i < 5 && outcome is not DeliveryOutcome.Retryable { Reason: "circuit open" }; i++)
            outcome = await resilience.ExecuteAsync(teams, Samples.For(Causes.OomKilled), CancellationToken.None);
        var open = Assert.IsType<DeliveryOutcome.Retryable>(outcome);
        Assert.Equal("circuit open", open.Reason);
        Assert.NotNull(open.RetryAfter);

        var sent = _chat.To("teams").Count();
        _chat.Heal("teams");
        var again = await resilience.ExecuteAsync(teams, Samples.For(Causes.OomKilled), CancellationToken.None);
        Assert.Equal("circuit open", Assert.IsType<DeliveryOutcome.Retryable>(again).Reason);
        Assert.Equal(sent, _chat.To("teams").Count());
    }

    [Fact]
    public async Task TheRateLimiterPacesMessagesToOnePerSecondPerSlackDestination()
    {
        var resilience = Resilience(o => o.Rates["slack"] = new Webhook.Notify.Delivery.RateOptions { PerSecond = 1, Burst = 1 });
        var slack = Slack();
        var started = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => resilience.ExecuteAsync(slack, Samples.For(Causes.OomKilled), CancellationToken.None)));
        Assert.Equal(3, _chat.AcceptedCount("slack-webhook"));
        Assert.True(started.Elapsed >= TimeSpan.FromSeconds(1.8), $"three messages in {started.Elapsed}");
    }

    [Fact]
    public async Task EveryRenderedCauseIsAcceptedBySlackAndTeamsStandIns()
    {
        foreach (var cause in Samples.Causes_)
        {
            Assert.IsType<DeliveryOutcome.Delivered>(await Slack().SendAsync(Samples.For(cause), CancellationToken.None));
            Assert.IsType<DeliveryOutcome.Delivered>(await Teams().SendAsync(Samples.For(cause), CancellationToken.None));
        }
    }

    [Fact]
    public async Task ATeamsBodyOver28KilobytesIsRefusedBeforeSendingAndByTheStandIn()
    {
        var huge = TeamsRenderer.Simple("big", Enumerable.Range(0, 40).Select(i => new string('x', 499)));
        huge = huge with { Attachments = [huge.Attachments[0] with { Content = huge.Attachments[0].Content with {
            Body = [.. Enumerable.Range(0, 80).Select(i => (CardElement)new TextBlock(new string('y', 400)))] } }] };
        Assert.IsType<DeliveryOutcome.Permanent>(await Teams().PostAsync(huge, CancellationToken.None));
        Assert.Empty(_chat.To("teams"));

        using var http = new HttpClient();
        var raw = await http.PostAsync(_chat.TeamsUrl, new StringContent(TeamsJson.Serialize(huge), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.RequestEntityTooLarge, raw.StatusCode);
    }

    [Fact]
    public async Task TheSlackStandInRejectsTooManyBlocksAsSlackDoes()
    {
        var message = new SlackMessage { Text = "x", Blocks = [.. Enumerable.Range(0, 51).Select(_ => (Block)new DividerBlock())] };
        var outcome = await Slack().PostAsync(message, CancellationToken.None);
        Assert.Equal("http 400: invalid_blocks", Assert.IsType<DeliveryOutcome.Permanent>(outcome).Reason);
    }

    [Fact]
    public async Task ASlackApiAnswerOfOkFalseIsAFailure()
    {
        var api = new SlackApiClient(new Secret("xoxb-wrong-token-0000000000"), new Uri(_chat.SlackApiBase), Http());
        var result = await api.PostMessageAsync(new SlackMessage { Channel = ChatStandIn.Channel, Text = "hi" }, CancellationToken.None);
        Assert.Equal("slack invalid_auth", Assert.IsType<DeliveryOutcome.Permanent>(result.Outcome).Reason);
    }
}
