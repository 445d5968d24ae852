using System.Diagnostics;
using Webhook.Diagnosis;
using Webhook.Notify.Http;
using Webhook.Notify.Slack;
using Webhook.Notify.Teams;
using Microsoft.Extensions.Options;
using Webhook.Notify.Delivery;
using static Webhook.Tests.Notify.NotifyTestKit;

namespace Webhook.Tests.Notify;

public class DeliveryTests : IAsyncLifetime
{
    private ChatStandIn _chat = null!;
    private readonly string _db = TempDb();
    public async Task InitializeAsync() => _chat = await ChatStandIn.StartAsync();
    public async Task DisposeAsync()
    {
        await _chat.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(Path.GetDirectoryName(_db)!, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    private SlackWebhookNotifier Slack() => new("default/slack", new Secret(_chat.SlackWebhookUrl), Http(), Content);
    private TeamsNotifier Teams() => new("default/teams", new Secret(_chat.TeamsUrl), Http(), Content);

    [Fact]
    public async Task AThrottledSlackMessageIsNotWaitedForButComesBackWithTheServersRetryAfter()
    {
        // Ten minutes: a worker that slept on it could never pass, however fast or slow the machine.
        _chat.Script("slack-webhook", 429, retryAfterSeconds: 600);
        var started = Stopwatch.StartNew();
        var outcome = await Resilience().ExecuteAsync(Slack(), Samples.For(Causes.OomKilled), CancellationToken.None);
        var throttled = Assert.IsType<DeliveryOutcome.Retryable>(outcome);
        Assert.Equal(TimeSpan.FromSeconds(600), throttled.RetryAfter);
        Assert.True(DeliveryReasons.IsThrottled(throttled), throttled.Reason);
        Assert.Single(_chat.To("slack-webhook"));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(60), $"the worker waited {started.Elapsed}");
    }

    [Fact]
    public async Task ThrottlingNeverOpensTheCircuit()
    {
        _chat.Script("teams", 429, retryAfterSeconds: 1, times: 8);
        var resilience = Resilience(o => { o.MinimumThroughput = 2; o.FailureRatio = 0.5; });
        var teams = Teams();
        for (var i = 0; i < 8; i++)
            Assert.True(DeliveryReasons.IsThrottled(await resilience.ExecuteAsync(teams, Samples.For(Causes.OomKilled), CancellationToken.None)));
        Assert.IsType<DeliveryOutcome.Delivered>(await resilience.ExecuteAsync(teams, Samples.For(Causes.OomKilled), CancellationToken.None));
        Assert.Equal(9, _chat.To("teams").Count());
    }

    [Fact]
    public async Task AServerErrorGoesBackToTheInboxAfterOneAttempt()
    {
        _chat.Script("teams", 503);
        var outcome = await Resilience().ExecuteAsync(Teams(), Samples.For(Causes.ConfigError), CancellationToken.None);
        Assert.IsType<DeliveryOutcome.Retryable>(outcome);
        Assert.False(DeliveryReasons.WasNotSent(outcome));
        Assert.Single(_chat.To("teams"));
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
    public async Task AnOpenCircuitSendsNothingAndSaysSoApartFromAFailure()
    {
        _chat.FailAlways("teams", 500);
        var resilience = Resilience(o => { o.MinimumThroughput = 2; o.FailureRatio = 0.5; o.BreakDuration = TimeSpan.FromMinutes(5); });
        var teams = Teams();
        DeliveryOutcome outcome = DeliveryOutcome.Success;
        for (var i = 0; i < 5 && !DeliveryReasons.WasNotSent(outcome); i++)
            outcome = await resilience.ExecuteAsync(teams, Samples.For(Causes.OomKilled), CancellationToken.None);
        var open = Assert.IsType<DeliveryOutcome.Retryable>(outcome);
        Assert.Equal(DeliveryReasons.CircuitOpen, open.Reason);
        Assert.InRange(open.RetryAfter!.Value, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5));

        var sent = _chat.To("teams").Count();
        _chat.Heal("teams");
        var again = await resilience.ExecuteAsync(teams, Samples.For(Causes.OomKilled), CancellationToken.None);
        Assert.Equal(DeliveryReasons.CircuitOpen, Assert.IsType<DeliveryOutcome.Retryable>(again).Reason);
        Assert.Equal(sent, _chat.To("teams").Count());
    }

    [Fact]
    public async Task PostsOverTheChatsPaceAreNotSentAndSayWhenTheNextOneMayGo()
    {
        var options = new DeliveryResilienceOptions();
        options.Rates["slack"] = new RateOptions { PerSecond = 1, Burst = 1, MaxInFlight = 10 };
        var pacer = new DestinationPacer(Options.Create(options), TimeProvider.System);
        var slack = new SlackWebhookNotifier("default/slack", new Secret(_chat.SlackWebhookUrl), PacedHttp(pacer), Content);
        pacer.RegisterUrl(_chat.SlackWebhookUrl, "slack");
        var resilience = new DeliveryResilience(Options.Create(options), TimeProvider.System);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => resilience.ExecuteAsync(slack, Samples.For(Causes.OomKilled), CancellationToken.None)));
        Assert.Single(outcomes, o => o is DeliveryOutcome.Delivered);
        var paced = outcomes.Where(DeliveryReasons.WasNotSent).Cast<DeliveryOutcome.Retryable>().ToList();
        Assert.Equal(2, paced.Count);
        Assert.All(paced, p => Assert.Equal(DeliveryReasons.RateLimited, p.Reason));
        Assert.All(paced, p => Assert.InRange(p.RetryAfter!.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1)));
        // A limiter that waits would have sent all three.
        Assert.Equal(1, _chat.AcceptedCount("slack-webhook"));
    }

    [Fact]
    public async Task AfterA429TheDestinationRestsForItsRetryAfterWithoutAskingTheServer()
    {
        var options = new DeliveryResilienceOptions();
        var pacer = new DestinationPacer(Options.Create(options), TimeProvider.System);
        var teams = new TeamsNotifier("default/teams", new Secret(_chat.TeamsUrl), PacedHttp(pacer), Content);
        pacer.RegisterUrl(_chat.TeamsUrl, "teams");
        var resilience = new DeliveryResilience(Options.Create(options), TimeProvider.System);
        _chat.Script("teams", 429, retryAfterSeconds: 30);

        Assert.True(DeliveryReasons.IsThrottled(await resilience.ExecuteAsync(teams, Samples.For(Causes.OomKilled), CancellationToken.None)));
        var resting = Assert.IsType<DeliveryOutcome.Retryable>(await resilience.ExecuteAsync(teams, Samples.For(Causes.OomKilled), CancellationToken.None));
        Assert.Equal(DeliveryReasons.RateLimited, resting.Reason);
        Assert.InRange(resting.RetryAfter!.Value, TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(30));
        Assert.Single(_chat.To("teams"));
    }

    [Fact]
    public async Task ASlowDestinationHoldsAtMostItsPostsInFlightAndNoMoreWorkers()
    {
        var hold = new TaskCompletionSource();
        _chat.HoldSlackApiAnswers = hold.Task;
        var slack = new SlackApiNotifier("default/slack", ChatStandIn.Channel,
            new SlackApiClient(new Secret(ChatStandIn.BotToken), new Uri(_chat.SlackApiBase), Http()),
            SlackStore(_db), Content, TimeProvider.System);
        var resilience = Resilience();
        var first = resilience.ExecuteAsync(slack, Samples.For(Causes.OomKilled), CancellationToken.None);
        await Eventually.True(() => _chat.SlackApiAccepted.Count == 1, "the first post to reach Slack");

        // Answered while the first is still held: the second worker did not wait for it.
        var second = await resilience.ExecuteAsync(slack, Samples.For(Causes.ConfigError), CancellationToken.None);
        Assert.Equal(DeliveryReasons.Busy, Assert.IsType<DeliveryOutcome.Retryable>(second).Reason);
        hold.SetResult();
        Assert.IsType<DeliveryOutcome.Delivered>(await first);
    }

    [Fact]
    public async Task EveryRenderedCauseIsAcceptedBySlackAndTeamsStandIns()
    {
        // About the messages' limits, not the pace: a dozen posts at once.
        _chat.EnforceSlackPace = false;
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
