using System.Collections.Concurrent;
using Webhook.Diagnosis;
using Webhook.Notify.Http;
using Webhook.Notify.Slack;
using Webhook.Notify.Storm;
using Webhook.Notify.Teams;
using static Webhook.Tests.Notify.NotifyTestKit;

namespace Webhook.Tests.Notify;

public class StormTests : IAsyncLifetime
{
    private ChatStandIn _chat = null!;
    public async Task InitializeAsync() => _chat = await ChatStandIn.StartAsync();
    public async Task DisposeAsync() => await _chat.DisposeAsync();

    private static readonly StormOptions Fast = new() { Threshold = 10, Settle = TimeSpan.FromMilliseconds(300), MaxHold = TimeSpan.FromSeconds(5) };

    /// <summary>38 pods: 30 × config-error in deployment api, 8 × oom-killed in statefulset-like cache.</summary>
    private static List<Notification> Storm(int groupSize = 38) =>
    [
        .. Enumerable.Range(0, 30).Select(i => Samples.For(Causes.ConfigError, pod: $"api-{i}", groupSize: groupSize)),
        .. Enumerable.Range(0, 8).Select(i => Samples.For(Causes.OomKilled, pod: $"cache-{i}", workload: "cache", groupSize: groupSize)),
    ];

    [Fact]
    public async Task ALargeGroupBecomesOneSlackDigestGroupedByCauseAndWorkload()
    {
        var slack = new SlackWebhookNotifier("default/slack", new Secret(_chat.SlackWebhookUrl), Http(), Content);
        var gated = new DigestingNotifier(slack, Gate(slack, Resilience(), Fast));
        var posted = new ConcurrentQueue<StormDigest>();
        gated.Gate.DigestPosted += (d, _) => posted.Enqueue(d);

        foreach (var n in Storm()) Assert.IsType<DeliveryOutcome.Delivered>(await gated.SendAsync(n, default));
        await Eventually.True(() => posted.Count == 1, "one digest");

        var request = Assert.Single(_chat.To("slack-webhook"));
        Assert.Contains("38 pods crash looping", request.Body);
        Assert.Contains("30 × config-error in deployment shop/api", request.Body);
        Assert.Contains("8 × oom-killed in deployment shop/cache", request.Body);
    }

    [Fact]
    public async Task ManyPodsInAShortWindowAreDigestedAfterTheThreshold()
    {
        var teams = new TeamsNotifier("default/teams", new Secret(_chat.TeamsUrl), Http(), Content);
        var gated = new DigestingNotifier(teams, Gate(teams, Resilience(), Fast));
        var posted = new ConcurrentQueue<StormDigest>();
        gated.Gate.DigestPosted += (d, _) => posted.Enqueue(d);

        // Separate groups of one: only the window says it is a storm.
        foreach (var n in Storm(groupSize: 1).Take(14)) await gated.SendAsync(n, default);
        await Eventually.True(() => posted.Count == 1, "one digest");
        Assert.Equal(4, posted.Single().PodCount);
        Assert.Equal(11, _chat.AcceptedCount("teams"));
    }

    [Fact]
    public async Task WithABotTokenTheDigestThreadCarriesOneDiagnosisPerPod()
    {
        var slack = new SlackApiNotifier("default/slack", ChatStandIn.Channel,
            new SlackApiClient(new Secret(ChatStandIn.BotToken), new Uri(_chat.SlackApiBase), Http()),
            new SlackIncidentStore(TempDb()), Content, TimeProvider.System) { ReplyPacing = TimeSpan.Zero };
        var gated = new DigestingNotifier(slack, Gate(slack, Resilience(), Fast));
        var posted = new ConcurrentQueue<DeliveryOutcome>();
        gated.Gate.DigestPosted += (_, o) => posted.Enqueue(o);

        foreach (var n in Storm(groupSize: 12).Take(12)) await gated.SendAsync(n, default);
        await Eventually.True(() => posted.Count == 1, "one digest");
        Assert.IsType<DeliveryOutcome.Delivered>(posted.Single());
        var top = Assert.Single(_chat.SlackApiAccepted, p => p.ThreadTs is null);
        Assert.Contains("12 pods crash looping", top.Body.ToJsonString());
        Assert.Equal(12, _chat.SlackApiAccepted.Count(p => p.ThreadTs == top.Ts));
    }

    [Fact]
    public async Task ASmallGroupIsPostedPodByPod()
    {
        var slack = new SlackWebhookNotifier("default/slack", new Secret(_chat.SlackWebhookUrl), Http(), Content);
        var gated = new DigestingNotifier(slack, Gate(slack, Resilience(), Fast));
        foreach (var n in Storm(groupSize: 3).Take(3)) await gated.SendAsync(n, default);
        Assert.Equal(3, _chat.AcceptedCount("slack-webhook"));
    }

    [Fact]
    public async Task ADigestHeldWhenTheProcessStopsIsPostedAfterTheRestart()
    {
        var db = TempDb();
        var slack = new SlackWebhookNotifier("default/slack", new Secret(_chat.SlackWebhookUrl), Http(), Content);
        var holdLong = new StormOptions { Threshold = 10, Settle = TimeSpan.FromHours(1), MaxHold = TimeSpan.FromHours(1) };
        var before = new DigestingNotifier(slack, Gate(slack, Resilience(), holdLong, new StormStore(db)));
        // 12 of a group of 13: the group never completes, so the digest is still held when "the process stops".
        foreach (var n in Storm(groupSize: 13).Take(12)) Assert.IsType<DeliveryOutcome.Delivered>(await before.SendAsync(n, default));
        Assert.Empty(_chat.Requests);

        var after = Gate(slack, Resilience(), Fast, new StormStore(db));
        var posted = new ConcurrentQueue<StormDigest>();
        after.DigestPosted += (d, _) => posted.Enqueue(d);
        after.Recover();
        await Eventually.True(() => posted.Count == 1, "the recovered digest");
        Assert.Equal(12, posted.Single().PodCount);
        Assert.Contains("12 pods crash looping", Assert.Single(_chat.To("slack-webhook")).Body);
        Assert.Empty(new StormStore(db).Pending("default/slack"));
    }

    [Fact]
    public async Task ADigestTheChatRefusedForNowIsPostedLaterExactlyOnce()
    {
        _chat.Script("teams", 503, times: 2);
        var teams = new TeamsNotifier("default/teams", new Secret(_chat.TeamsUrl), Http(), Content);
        var options = new StormOptions { Threshold = 10, Settle = TimeSpan.FromMilliseconds(200), MaxHold = TimeSpan.FromSeconds(5), RetryDelay = TimeSpan.FromMilliseconds(100) };
        var gated = new DigestingNotifier(teams, Gate(teams, Resilience(), options));
        var outcomes = new ConcurrentQueue<DeliveryOutcome>();
        gated.Gate.DigestPosted += (_, o) => outcomes.Enqueue(o);

        foreach (var n in Storm(groupSize: 11).Take(11)) await gated.SendAsync(n, default);
        await Eventually.True(() => outcomes.Any(o => o is DeliveryOutcome.Delivered), "the digest after two 503s");
        Assert.Equal(3, _chat.To("teams").Count());
        Assert.Equal(1, _chat.AcceptedCount("teams"));
    }

    [Fact]
    public async Task WithABotTokenTheDigestIsAnIncidentThatRecoveriesReplyToAndFinallyUpdate()
    {
        var slack = new SlackApiNotifier("default/slack", ChatStandIn.Channel,
            new SlackApiClient(new Secret(ChatStandIn.BotToken), new Uri(_chat.SlackApiBase), Http()),
            new SlackIncidentStore(TempDb()), Content, TimeProvider.System) { ReplyPacing = TimeSpan.Zero };
        var gated = new DigestingNotifier(slack, Gate(slack, Resilience(), Fast));
        var posted = new ConcurrentQueue<DeliveryOutcome>();
        gated.Gate.DigestPosted += (_, o) => posted.Enqueue(o);

        var pods = Storm(groupSize: 12).Take(12).ToList();
        foreach (var n in pods) await gated.SendAsync(n, default);
        await Eventually.True(() => posted.Count == 1, "the firing digest");
        var digest = Assert.Single(_chat.SlackApiAccepted, p => p.ThreadTs is null);

        // One pod recovers on its own: a reply in the digest's thread, no update yet.
        var first = pods[0];
        var resolvedFirst = first with { Alert = first.Alert with { Status = "resolved", EndsAt = Samples.Start.AddMinutes(5), GroupSize = 1 },
            IdempotencyKey = first.IdempotencyKey + "-resolved" };
        Assert.IsType<DeliveryOutcome.Delivered>(await gated.SendAsync(resolvedFirst, default));
        Assert.DoesNotContain(_chat.SlackApiAccepted, p => p.Method == "chat.update");

        // The other eleven recover together: one digest of recoveries and one update of the original digest.
        foreach (var n in pods.Skip(1))
            await gated.SendAsync(n with { Alert = n.Alert with { Status = "resolved", EndsAt = Samples.Start.AddMinutes(9), GroupSize = 11 },
                IdempotencyKey = n.IdempotencyKey + "-resolved" }, default);
        await Eventually.True(() => posted.Count == 2, "the digest of recoveries");
        Assert.IsType<DeliveryOutcome.Delivered>(posted.Last());
        var update = Assert.Single(_chat.SlackApiAccepted, p => p.Method == "chat.update");
        Assert.Equal(digest.Ts, update.Ts);
        Assert.Contains("11 pods recovered", _chat.SlackApiAccepted.Last(p => p.Method == "chat.postMessage" && p.ThreadTs is null).Body.ToJsonString());
    }
}
