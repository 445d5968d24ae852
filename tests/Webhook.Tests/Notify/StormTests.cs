using Webhook.Notify.Storm;
using Webhook.Tests.Support;

namespace Webhook.Tests.Notify;

/// <summary>Storm digests in the service as shipped: alerts in through /alerts, digests out through the delivery stage.</summary>
public class StormTests : IAsyncLifetime
{
    private ChatStandIn _chat = null!;
    private readonly List<ChatService> _services = [];
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "webhook-tests", "storm-" + Guid.NewGuid().ToString("n"));

    public async Task InitializeAsync() => _chat = await ChatStandIn.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var service in _services) await service.DisposeAsync();
        await _chat.DisposeAsync();
        try { Directory.Delete(_folder, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    private ChatService Start(Dictionary<string, string?> settings, string? inboxPath = null)
    {
        // The shipped Settle (5 s) and MaxHold (60 s): a group larger than the threshold is posted as soon as all its
        // pods joined, so only window digests wait out Settle. A shorter Settle made a slow join (JIT, a busy machine)
        // post part of a group.
        var service = ChatService.Start(settings, inboxPath);
        _services.Add(service);
        return service;
    }

    private Dictionary<string, string?> SlackWebhook => new() { ["Routes:default:Slack:WebhookUrl"] = _chat.SlackWebhookUrl };
    private Dictionary<string, string?> SlackBot(string threshold = "10") => new()
    {
        ["Routes:default:Slack:BotToken"] = ChatStandIn.BotToken,
        ["Routes:default:Slack:Channel"] = ChatStandIn.Channel,
        ["Routes:default:Slack:ApiBaseUrl"] = _chat.SlackApiBase,
        ["Storm:Threshold"] = threshold,
    };

    private static IEnumerable<string> Pods(string prefix, int count) => Enumerable.Range(0, count).Select(i => $"{prefix}-{i}");

    [Fact]
    public async Task ALargeGroupBecomesOneSlackDigestGroupedByCauseAndWorkload()
    {
        var service = Start(SlackWebhook);
        await service.PostAsync("", ChatService.Group("g1", "firing", [.. Pods("api", 30), .. Pods("cache", 8)]));

        await service.DeliveredAsync(38);
        await Eventually.True(() => _chat.AcceptedCount("slack-webhook") == 1, "one digest");
        var request = Assert.Single(_chat.To("slack-webhook"));
        Assert.Contains("38 pods crash looping", request.Body);
        Assert.Contains("30 × config-error in deployment shop/api", request.Body);
        Assert.Contains("8 × oom-killed in deployment shop/cache", request.Body);
    }

    [Fact]
    public async Task ManyPodsInAShortWindowAreDigestedAfterTheThreshold()
    {
        var service = Start(new() { ["Routes:default:Teams:WorkflowUrl"] = _chat.TeamsUrl });
        // Separate groups of one: only the window says it is a storm. One at a time, so which pods cross the
        // threshold is known.
        var pods = Pods("api", 14).ToList();
        for (var i = 0; i < pods.Count; i++)
        {
            await service.PostAsync("", ChatService.Group($"g{i}", "firing", [pods[i]]));
            await service.DeliveredAsync(i + 1);
        }
        await Eventually.True(() => _chat.AcceptedCount("teams") == 11, () => $"10 cards and one digest; {_chat.AcceptedCount("teams")} accepted");
        // Cards paced by Teams' rate may be accepted after the digest: find the digest among the accepted posts.
        Assert.Single(_chat.To("teams").Where(r => r.Accepted), r => r.Body.Contains("4 pods crash looping", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ASmallGroupIsPostedPodByPod()
    {
        var service = Start(SlackWebhook);
        await service.PostAsync("", ChatService.Group("g1", "firing", Pods("api", 3)));
        await service.DeliveredAsync(3);
        Assert.Equal(3, _chat.AcceptedCount("slack-webhook"));
    }

    [Fact]
    public async Task WithABotTokenTheDigestThreadCarriesOneDiagnosisPerPod()
    {
        var service = Start(SlackBot(threshold: "3"));
        await service.PostAsync("", ChatService.Group("g1", "firing", Pods("api", 5)));

        await Eventually.True(() => _chat.SlackApiAccepted.Count == 6, () => $"the digest and five replies; {_chat.SlackApiAccepted.Count} so far", TimeSpan.FromSeconds(30));
        var top = Assert.Single(_chat.SlackApiAccepted, p => p.ThreadTs is null);
        Assert.Contains("5 pods crash looping", top.Body.ToJsonString());
        Assert.Equal(5, _chat.SlackApiAccepted.Count(p => p.ThreadTs == top.Ts));
        Assert.Equal(5, _chat.SlackApiAccepted.Where(p => p.ThreadTs == top.Ts).Select(p => p.Body["metadata"]!["event_payload"]!["idempotency_key"]!.ToString()).Distinct().Count());
    }

    [Fact]
    public async Task ABigDigestsThreadNamesThePodsBeyondTheReplyLimitInOneReply()
    {
        var service = Start(new(SlackBot(threshold: "3")) { ["Storm:MaxThreadReplies"] = "2" });
        var pods = Pods("api", 5).ToList();
        await service.PostAsync("", ChatService.Group("g1", "firing", pods));

        await Eventually.True(() => _chat.SlackApiAccepted.Count == 4, () => $"the digest, two replies and one naming the rest; {_chat.SlackApiAccepted.Count} so far", TimeSpan.FromSeconds(30));
        var top = Assert.Single(_chat.SlackApiAccepted, p => p.ThreadTs is null);
        var thread = _chat.SlackApiAccepted.Where(p => p.ThreadTs == top.Ts).Select(p => p.Body.ToJsonString()).ToList();
        Assert.Contains(thread, t => t.Contains("3 more pods"));
        // Every pod is named in exactly one message of the thread: its own reply, or the one naming the rest.
        Assert.All(pods, pod => Assert.Single(thread, t => t.Contains(pod)));
    }

    [Fact]
    public async Task WithABotTokenTheDigestIsAnIncidentThatRecoveriesReplyToAndFinallyUpdate()
    {
        var service = Start(SlackBot(threshold: "3"));
        var pods = Pods("api", 5).ToList();
        await service.PostAsync("", ChatService.Group("g1", "firing", pods));
        await Eventually.True(() => _chat.SlackApiAccepted.Count == 6, "the firing digest and its replies", TimeSpan.FromSeconds(30));
        var digest = Assert.Single(_chat.SlackApiAccepted, p => p.ThreadTs is null);

        // One pod recovers on its own: a reply in the digest's thread, no update yet.
        await service.PostAsync("", ChatService.Group("g1", "resolved", [pods[0]]));
        await service.DeliveredAsync(6);
        Assert.DoesNotContain(_chat.SlackApiAccepted, p => p.Method == "chat.update");

        // The other four recover together: one digest of recoveries and one update of the original digest.
        await service.PostAsync("", ChatService.Group("g1", "resolved", pods.Skip(1)));
        await Eventually.True(() => _chat.SlackApiAccepted.Any(p => p.Method == "chat.update"), "the update", TimeSpan.FromSeconds(30));
        var update = Assert.Single(_chat.SlackApiAccepted, p => p.Method == "chat.update");
        Assert.Equal(digest.Ts, update.Ts);
        await Eventually.True(() => _chat.SlackApiAccepted.Any(p => p.Method == "chat.postMessage" && p.ThreadTs is null && p.Body.ToJsonString().Contains("4 pods recovered")),
            "the digest of recoveries", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task ADigestHeldWhenTheProcessStopsIsPostedAfterTheRestart()
    {
        var inbox = Path.Combine(_folder, "inbox.db");
        var before = Start(new(SlackWebhook) { ["Storm:Threshold"] = "2", ["Storm:Settle"] = "01:00:00", ["Storm:MaxHold"] = "01:00:00" }, inbox);
        // Five groups of one: up to two pods are posted (fewer when one found Slack busy and came back after the
        // window had filled), the window makes the rest a storm, and their digest is still held when the process stops.
        foreach (var pod in Pods("api", 5)) await before.PostAsync("", ChatService.Group(pod, "firing", [pod]));
        await before.DeliveredAsync(5);
        var single = _chat.AcceptedCount("slack-webhook");
        Assert.InRange(single, 1, 2);
        _services.Remove(before);
        await before.DisposeAsync();

        var after = Start(SlackWebhook, inbox);
        await Eventually.True(() => _chat.AcceptedCount("slack-webhook") == single + 1, "the recovered digest");
        Assert.Contains($"{5 - single} pods crash looping", _chat.To("slack-webhook").Last().Body);
        await Eventually.TrueAsync(async () => (await after.Get<IStormStore>().PendingAsync("default/slack", default)).Count == 0,
            TimeSpan.FromSeconds(20), "the digest to leave the store");
    }

    [Fact]
    public async Task DigestsWaitingForTheChatsPaceTryItInTurn()
    {
        // Twelve groups, each over the threshold: twelve digests ready at about the same time, at a pace of 4 posts a
        // second with no burst, so nearly all of them wait for a slot.
        const int digests = 12;
        // The service's pace is what is tested: the stand-in takes every post.
        _chat.EnforceSlackPace = false;
        var service = Start(new(SlackWebhook)
        {
            ["Delivery:Rates:slack:PerSecond"] = "4", ["Delivery:Rates:slack:Burst"] = "1", ["Delivery:Rates:slack:MaxInFlight"] = "1",
        });
        var gate = service.Get<StormGates>().For("default/slack")!;
        var attempts = 0;
        var outcomes = new System.Collections.Concurrent.ConcurrentQueue<string>();
        gate.DigestPosted += (_, outcome) =>
        {
            Interlocked.Increment(ref attempts);
            outcomes.Enqueue(outcome.ToString()!);
        };
        for (var g = 0; g < digests; g++) await service.PostAsync("", ChatService.Group($"g{g}", "firing", Pods($"api{g}", 11)));

        await service.DeliveredAsync(digests * 11, TimeSpan.FromSeconds(60));
        await Eventually.True(() => _chat.AcceptedCount("slack-webhook") == digests, () => $"{digests} digests; {_chat.AcceptedCount("slack-webhook")} accepted",
            TimeSpan.FromSeconds(60));
        // Each digest is tried when its turn comes (its first try may meet the pace, and its next is at the slot the
        // pace named): at most a few tries each. All waiting at once, they were tried at every slot, one taking it
        // and the others refused again (n + (n-1) + ... + 1, 78 for twelve).
        Assert.True(attempts <= 3 * digests, $"{attempts} attempts for {digests} digests: {string.Join("; ", outcomes)}");
        Assert.Equal(digests, _chat.To("slack-webhook").Count());
    }

    [Fact]
    public async Task ADigestTheChatRefusedForNowIsPostedLaterExactlyOnce()
    {
        _chat.Script("teams", 503, times: 2);
        var service = Start(new() { ["Routes:default:Teams:WorkflowUrl"] = _chat.TeamsUrl, ["Storm:RetryDelay"] = "00:00:00.100" });
        await service.PostAsync("", ChatService.Group("g1", "firing", Pods("api", 11)));

        await Eventually.True(() => _chat.AcceptedCount("teams") == 1, "the digest after two 503s");
        Assert.Equal(3, _chat.To("teams").Count());
    }

    [Fact]
    public async Task APodsResolveNeverOvertakesTheDigestHoldingItsFiring()
    {
        // The digest's retries are slow and the resolve's fast: without the hold, the resolve would come first.
        _chat.Script("slack-webhook", 503, times: 2);
        var service = Start(new(SlackWebhook)
        {
            ["Storm:Threshold"] = "3", ["Storm:RetryDelay"] = "00:00:01",
            ["Pipeline:BaseBackoff"] = "00:00:00.050", ["Pipeline:MaxBackoff"] = "00:00:00.200",
        });
        var pods = Pods("api", 5).ToList();
        await service.PostAsync("", ChatService.Group("g1", "firing", pods));
        // The digest has met the outage: it is held for its retry when the first pod recovers.
        await Eventually.True(() => _chat.To("slack-webhook").Any(r => r.Status == 503), "the digest to be refused once");
        await service.PostAsync("", ChatService.Group("g1", "resolved", [pods[0]]));

        await service.DeliveredAsync(6, TimeSpan.FromSeconds(30));
        var accepted = _chat.To("slack-webhook").Where(r => r.Accepted).Select(r => r.Body).ToList();
        var digest = accepted.FindIndex(b => b.Contains("5 pods crash looping", StringComparison.Ordinal));
        var resolved = accepted.FindIndex(b => b.Contains("Resolved", StringComparison.Ordinal));
        Assert.True(digest >= 0 && resolved > digest, $"the digest, then the resolve: {string.Join(" | ", accepted)}");
    }

    [Fact]
    public async Task ADigestTheChatKeepsRefusingIsGivenUpAfterItsMaximumAge()
    {
        _chat.FailAlways("teams", 503);
        var service = Start(new()
        {
            ["Routes:default:Teams:WorkflowUrl"] = _chat.TeamsUrl,
            ["Storm:RetryDelay"] = "00:00:00.100", ["Storm:MaxRetryAge"] = "00:00:01",
        });
        var gate = service.Get<StormGates>().For("default/teams")!;
        var attempts = 0;
        gate.DigestPosted += (_, _) => Interlocked.Increment(ref attempts);
        await service.PostAsync("", ChatService.Group("g1", "firing", Pods("api", 11)));

        // Given up for its age (counted from its first pod, so on a slow machine it may be given up after its first
        // attempt: how many fit in the age is the machine's business; that a refused digest is retried is
        // ADigestTheChatRefusedForNowIsPostedLaterExactlyOnce's).
        await Eventually.True(() => service.Logs.Entries.Any(e => e.Message.Contains("Storm digest of 11 pods to default/teams refused: still failing after 00:00:01")),
            "the digest to be given up for its age", TimeSpan.FromSeconds(60));
        await Eventually.True(() => service.Get<StormGates>().Running == 0, "no digest loop left running");
        Assert.Empty(await service.Get<IStormStore>().PendingAsync("default/teams", default));
        // It stopped: a handful of attempts, each through the delivery stage (those its guards held back, the open
        // breaker or the pace, never reached Teams), none after the give-up.
        Assert.InRange(attempts, 1, 20);
        Assert.InRange(_chat.To("teams").Count(), 1, attempts);
    }
}
