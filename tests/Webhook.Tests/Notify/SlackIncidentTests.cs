using Webhook.Diagnosis;
using Webhook.Notify.Http;
using Webhook.Notify.Slack;
using static Webhook.Tests.Notify.NotifyTestKit;

namespace Webhook.Tests.Notify;

public class SlackIncidentTests : IAsyncLifetime
{
    private ChatStandIn _chat = null!;
    private string _db = null!;
    public async Task InitializeAsync() { _chat = await ChatStandIn.StartAsync(); _db = TempDb(); }
    public async Task DisposeAsync()
    {
        await _chat.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(Path.GetDirectoryName(_db)!, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    private SlackApiNotifier Notifier(ISlackIncidentStore? store = null) => new("default/slack", ChatStandIn.Channel,
        new SlackApiClient(new Secret(ChatStandIn.BotToken), new Uri(_chat.SlackApiBase), Http()),
        store ?? SlackStore(_db), Content, TimeProvider.System);

    private static Notification Fire(string pod = "api-1", int restarts = 12) => Restarts(Samples.For(Causes.ConfigError, pod: pod), restarts);
    private static Notification Resolve(string pod = "api-1") => Samples.For(Causes.ConfigError, pod: pod, status: "resolved");
    private static Notification Restarts(Notification n, int restarts) =>
        n with { Diagnosis = n.Diagnosis with { RestartCount = restarts }, IdempotencyKey = n.IdempotencyKey + "-" + restarts };

    [Fact]
    public async Task FireRefireAndResolveMakeOneMessageThreadRepliesAndOneUpdate()
    {
        var slack = Notifier();
        Assert.IsType<DeliveryOutcome.Delivered>(await slack.SendAsync(Fire(restarts: 12), default));
        Assert.IsType<DeliveryOutcome.Delivered>(await slack.SendAsync(Fire(restarts: 19), default));
        Assert.IsType<DeliveryOutcome.Delivered>(await slack.SendAsync(Resolve(), default));

        var posts = _chat.SlackApiAccepted.ToList();
        var top = Assert.Single(posts, p => p.Method == "chat.postMessage" && p.ThreadTs is null);
        var replies = posts.Where(p => p.Method == "chat.postMessage" && p.ThreadTs == top.Ts).ToList();
        Assert.Equal(2, replies.Count);
        Assert.Contains("restarts now *19*", replies[0].Body.ToJsonString());
        Assert.Contains("Resolved after 2h 13m", replies[1].Body.ToJsonString());
        var update = Assert.Single(posts, p => p.Method == "chat.update");
        Assert.Equal(top.Ts, update.Ts);
        Assert.Contains("Resolved after 2h 13m", update.Body["blocks"]![0]!["text"]!["text"]!.ToString());
    }

    [Fact]
    public async Task TheIncidentSurvivesARestartBecauseItsTsIsStoredInTheDatabase()
    {
        Assert.IsType<DeliveryOutcome.Delivered>(await Notifier().SendAsync(Fire(), default));
        // A new notifier and store on the same file, as after a restart.
        Assert.IsType<DeliveryOutcome.Delivered>(await Notifier(SlackStore(_db)).SendAsync(Fire(restarts: 30), default));
        Assert.Single(_chat.SlackApiAccepted, p => p.ThreadTs is null);
    }

    [Fact]
    public async Task RetryingTheSameNotificationAfterSuccessPostsNothingNew()
    {
        var slack = Notifier();
        var fire = Fire();
        await slack.SendAsync(fire, default);
        await slack.SendAsync(Resolve(), default);
        var before = _chat.SlackApiAccepted.Count;
        await slack.SendAsync(Resolve(), default);
        Assert.Equal(before, _chat.SlackApiAccepted.Count);
    }

    [Fact]
    public async Task APartlyDoneResolveIsFinishedWithoutRepeatingTheUpdate()
    {
        var slack = Notifier();
        await slack.SendAsync(Fire(), default);
        _chat.Script("slack-api", 0);   // chat.update goes through
        _chat.Script("slack-api", 503); // the thread reply fails once
        Assert.IsType<DeliveryOutcome.Retryable>(await slack.SendAsync(Resolve(), default));
        Assert.IsType<DeliveryOutcome.Delivered>(await slack.SendAsync(Resolve(), default));
        Assert.Single(_chat.SlackApiAccepted, p => p.Method == "chat.update");
        Assert.Equal(2, _chat.SlackApiAccepted.Count(p => p.Method == "chat.postMessage"));
    }

    [Fact]
    public async Task ASecondPodOfTheSameWorkloadJoinsTheIncidentAndOnlyTheLastRecoveryResolvesIt()
    {
        var slack = Notifier();
        await slack.SendAsync(Fire("api-1"), default);
        await slack.SendAsync(Fire("api-2"), default);
        await slack.SendAsync(Resolve("api-1"), default);
        Assert.DoesNotContain(_chat.SlackApiAccepted, p => p.Method == "chat.update");
        await slack.SendAsync(Resolve("api-2"), default);
        Assert.Single(_chat.SlackApiAccepted, p => p.Method == "chat.update");
        Assert.Single(_chat.SlackApiAccepted, p => p.ThreadTs is null && p.Method == "chat.postMessage");
    }

    [Fact]
    public async Task ANewCauseForTheSameWorkloadIsANewIncident()
    {
        var slack = Notifier();
        await slack.SendAsync(Fire(), default);
        await slack.SendAsync(Samples.For(Causes.OomKilled, pod: "api-1"), default);
        Assert.Equal(2, _chat.SlackApiAccepted.Count(p => p.ThreadTs is null));
    }

    [Fact]
    public async Task AThrottledPostMessageComesBackWithTheWaitAndIsPostedOnceOnTheNextAttempt()
    {
        _chat.Script("slack-api", 429, retryAfterSeconds: 1);
        var slack = Notifier();
        var throttled = Assert.IsType<DeliveryOutcome.Retryable>(await Resilience().ExecuteAsync(slack, Fire(), default));
        Assert.Equal(TimeSpan.FromSeconds(1), throttled.RetryAfter);
        Assert.True(Webhook.Notify.Delivery.DeliveryReasons.IsThrottled(throttled), throttled.Reason);
        Assert.IsType<DeliveryOutcome.Delivered>(await Resilience().ExecuteAsync(slack, Fire(), default));
        Assert.Single(_chat.SlackApiAccepted);
    }

    [Fact]
    public async Task AnIncidentThatNeverResolvesGetsNoRepliesAfterItsMaximumAgeAndIsPurged()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var store = SlackStore(_db, new SlackStoreOptions { IncidentMaxAge = TimeSpan.FromDays(7), StepRetention = TimeSpan.FromDays(14) }, clock);
        var slack = new SlackApiNotifier("default/slack", ChatStandIn.Channel,
            new SlackApiClient(new Secret(ChatStandIn.BotToken), new Uri(_chat.SlackApiBase), Http()), store, Content, clock);
        Assert.IsType<DeliveryOutcome.Delivered>(await slack.SendAsync(Fire(restarts: 12), default));

        // Its resolve never came. A week and a day later the same crash is a new message, not a reply to an old one.
        clock.Advance(TimeSpan.FromDays(8));
        Assert.IsType<DeliveryOutcome.Delivered>(await slack.SendAsync(Fire(restarts: 400), default));
        Assert.Equal(2, _chat.SlackApiAccepted.Count(p => p.ThreadTs is null));
        Assert.Equal(1, Rows("slack_incidents"));

        // A start later, the marks of alerts no inbox can still retry are gone too: the store purges on its first use.
        clock.Advance(TimeSpan.FromDays(15));
        Assert.Null(await SlackStore(_db, new SlackStoreOptions(), clock).FindOpenAsync("default/slack", "any", default));
        Assert.Equal(0, Rows("slack_steps"));
        Assert.Equal(0, Rows("slack_attempts"));
        Assert.Equal(0, Rows("slack_incidents"));
    }

    [Fact]
    public async Task APostIsFoundByItsMetadataKeyInTheChannelOrItsThreadAcrossPages()
    {
        _chat.EnforceSlackPace = false; // 250 posts at once: this is about finding them, not the pace
        var api = new SlackApiClient(new Secret(ChatStandIn.BotToken), new Uri(_chat.SlackApiBase), Http());
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);
        var first = await api.PostMessageAsync(new SlackMessage { Channel = ChatStandIn.Channel, Text = "first", Metadata = SlackMetadata.For("key-first") }, default);
        var reply = await api.PostMessageAsync(new SlackMessage { Channel = ChatStandIn.Channel, Text = "reply", ThreadTs = first.Ts, Metadata = SlackMetadata.For("key-reply") }, default);
        for (var i = 0; i < 250; i++)
            await api.PostMessageAsync(new SlackMessage { Channel = ChatStandIn.Channel, Text = $"later {i}", Metadata = SlackMetadata.For($"key-{i}") }, default);

        // Newest first, 200 a page: the first message is on the second page.
        Assert.Equal(first.Ts, (await api.FindPostedAsync(ChatStandIn.Channel, null, "key-first", since, default)).Ts);
        // conversations.history leaves thread replies out; conversations.replies has them.
        Assert.Null((await api.FindPostedAsync(ChatStandIn.Channel, null, "key-reply", since, default)).Ts);
        Assert.Equal(reply.Ts, (await api.FindPostedAsync(ChatStandIn.Channel, first.Ts, "key-reply", since, default)).Ts);
        // Nothing posted after the time asked for: nothing found, and that is an answer, not a failure.
        var none = await api.FindPostedAsync(ChatStandIn.Channel, null, "key-first", DateTimeOffset.UtcNow.AddMinutes(1), default);
        Assert.IsType<DeliveryOutcome.Delivered>(none.Outcome);
        Assert.Null(none.Ts);
        Assert.Contains(_chat.Requests, r => r.Path.Contains("cursor=200"));
    }

    [Fact]
    public async Task TheSlackStandInShowsMetadataOnlyWhenAskedAndRejectsMalformedMetadata()
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", ChatStandIn.BotToken);
        var post = await http.PostAsync(_chat.SlackApiBase + "chat.postMessage", new StringContent(
            """{"channel":"C0STANDIN","text":"x","metadata":{"event_type":"t","event_payload":{"k":"v"}}}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Contains("\"ok\":true", await post.Content.ReadAsStringAsync());
        var plain = await http.GetStringAsync(_chat.SlackApiBase + "conversations.history?channel=C0STANDIN");
        var withMetadata = await http.GetStringAsync(_chat.SlackApiBase + "conversations.history?channel=C0STANDIN&include_all_metadata=true");
        Assert.DoesNotContain("event_payload", plain);
        Assert.Contains("\"event_payload\":{\"k\":\"v\"}", withMetadata);

        var bad = await http.PostAsync(_chat.SlackApiBase + "chat.postMessage", new StringContent(
            """{"channel":"C0STANDIN","text":"x","metadata":{"event_payload":{"k":"v"}}}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Contains("invalid_metadata_format", await bad.Content.ReadAsStringAsync());
    }

    private long Rows(string table)
    {
        using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_db};Pooling=False");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"SELECT count(*) FROM {table}";
        return (long)cmd.ExecuteScalar()!;
    }

    /// <summary>The BCL's clock abstraction, moved by hand.</summary>
    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        private DateTimeOffset _now = now;
        public override DateTimeOffset GetUtcNow() => _now;
        public void Advance(TimeSpan by) => _now += by;
    }
}
