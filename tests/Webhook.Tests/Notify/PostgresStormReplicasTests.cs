using Webhook.Diagnosis;
using Webhook.Notify.Storm;

namespace Webhook.Tests.Notify;

/// <summary>
/// Two replicas of the service as shipped (each its own host, delivery stage, storm gates and PostgreSQL store) on
/// one PostgreSQL database and one Slack Web API stand-in, the pods of one storm handed alternately to their storm
/// gates (as the shared inbox's workers of both would take them): the storm is counted across both, its pods form
/// one batch, one replica posts one digest naming every pod, and an alert's later item waits for that digest on
/// either replica.
/// </summary>
[Collection(nameof(PostgresCollection))]
public sealed class PostgresStormReplicasTests(PostgresServer server) : IAsyncLifetime
{
    ChatStandIn _chat = null!;
    readonly List<ChatService> _services = [];
    string _connectionString = "";

    public async Task InitializeAsync()
    {
        _chat = await ChatStandIn.StartAsync();
        _connectionString = await server.ConnectionStringAsync("storm_replicas", $"t{Guid.NewGuid():n}");
    }

    (StormGate Gate, ChatService Service) Replica(string settle, Dictionary<string, string?>? route = null, string retryDelay = "00:00:30",
        string? connectionString = null, string offerLinger = "00:00:00")
    {
        var settings = new Dictionary<string, string?>(route ?? new()
        {
            ["Routes:default:Slack:BotToken"] = ChatStandIn.BotToken,
            ["Routes:default:Slack:Channel"] = ChatStandIn.Channel,
            ["Routes:default:Slack:ApiBaseUrl"] = _chat.SlackApiBase,
        })
        {
            ["Inbox:Provider"] = "postgres",
            ["Inbox:ConnectionString"] = connectionString ?? _connectionString,
            ["Storm:Threshold"] = "2",
            ["Storm:Settle"] = settle,
            ["Storm:RetryDelay"] = retryDelay,
            ["Storm:OfferLinger"] = offerLinger,
            ["Pipeline:Workers"] = "4",
        };
        var service = ChatService.Start(settings);
        _services.Add(service);
        return (service.Get<StormGates>().For("default/slack")!, service);
    }

    static IEnumerable<string> Pods(int count) => Enumerable.Range(0, count).Select(i => $"api-{i}");

    /// <summary>The pods of one Alertmanager group (key g1), offered in turn to replica a and b: the batch is whole with the last.</summary>
    static async Task<List<string>> AbsorbOneGroupOnBothAsync((StormGate Gate, ChatService Service) a, (StormGate Gate, ChatService Service) b, int count)
    {
        var pods = Pods(count).ToList();
        for (var i = 0; i < pods.Count; i++)
            Assert.Equal(StormGate.Absorb.Absorbed, await (i % 2 == 0 ? a : b).Gate.TryAbsorbAsync(
                Samples.For(Causes.ConfigError, pod: pods[i], groupKey: "g1", groupSize: pods.Count), default));
        return pods;
    }

    ChatStandIn.SlackPost Top => Assert.Single(_chat.SlackApiAccepted, p => p.ThreadTs is null);

    /// <summary>Every pod named in exactly one message of the digest's thread (its own diagnosis).</summary>
    void AssertThreadNames(IEnumerable<string> pods)
    {
        var thread = _chat.SlackApiAccepted.Where(p => p.ThreadTs == Top.Ts).Select(p => p.Body.ToJsonString()).ToList();
        Assert.All(pods, pod => Assert.Single(thread, t => t.Contains(pod, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task AWindowStormSplitBetweenTwoReplicasIsCountedOnceAndPostedAsOneDigest()
    {
        var (a, b) = (Replica("00:00:01"), Replica("00:00:01"));
        var pods = Pods(6).ToList();
        var absorbed = new List<string>();
        var single = 0;
        for (var i = 0; i < pods.Count; i++)
        {
            // Groups of one: only the window makes it a storm, counted over both replicas' pods.
            var n = Samples.For(Causes.ConfigError, pod: pods[i], groupKey: "g" + i);
            var result = await (i % 2 == 0 ? a : b).Gate.TryAbsorbAsync(n, default);
            if (result == StormGate.Absorb.Absorbed) absorbed.Add(pods[i]);
            else if (result == StormGate.Absorb.NotAbsorbed) single++;
        }
        // Per replica, each would have let its own first two through (four singles, and two digests).
        Assert.Equal(2, single);
        Assert.Equal(pods.Skip(2), absorbed);

        await Eventually.True(() => _chat.SlackApiAccepted.Count == 1 + absorbed.Count,
            () => $"one digest and {absorbed.Count} replies; {_chat.SlackApiAccepted.Count} so far", TimeSpan.FromSeconds(30));
        Assert.Contains($"{absorbed.Count} pods crash looping", Top.Body.ToJsonString());
        AssertThreadNames(absorbed);
        // Both replicas' loops end (the poster's after its post, the other's once the batch left the store).
        await Eventually.True(() => a.Service.Get<StormGates>().Running == 0 && b.Service.Get<StormGates>().Running == 0, "no digest loop left", TimeSpan.FromSeconds(30));
        Assert.Single(_chat.SlackApiAccepted, p => p.ThreadTs is null);
    }

    [Fact]
    public async Task AGroupSplitBetweenTwoReplicasIsOneDigestAndAResolveWaitsForItOnTheOtherReplica()
    {
        // Only a whole group posts it (Settle and MaxHold far away): what happens before its last pod is deterministic.
        var (a, b) = (Replica("01:00:00"), Replica("01:00:00"));
        var pods = Pods(6).ToList();
        Notification Fire(string pod) => Samples.For(Causes.ConfigError, pod: pod, groupKey: "g1", groupSize: pods.Count);
        for (var i = 0; i < pods.Count - 1; i++)
            Assert.Equal(StormGate.Absorb.Absorbed, await (i % 2 == 0 ? a : b).Gate.TryAbsorbAsync(Fire(pods[i]), default));

        // api-0 joined on A; its resolve reaching B must not overtake the digest that holds its firing.
        var resolve = Samples.For(Causes.ConfigError, pod: pods[0], status: "resolved");
        Assert.Equal(StormGate.Absorb.Wait, await b.Gate.TryAbsorbAsync(resolve, default));
        Assert.Empty(_chat.SlackApiAccepted);

        // The last pod, on B: the group is whole across both replicas, and one of them posts it at once.
        Assert.Equal(StormGate.Absorb.Absorbed, await b.Gate.TryAbsorbAsync(Fire(pods[^1]), default));
        await Eventually.True(() => _chat.SlackApiAccepted.Count == 1 + pods.Count,
            () => $"one digest and {pods.Count} replies; {_chat.SlackApiAccepted.Count} so far", TimeSpan.FromSeconds(30));
        Assert.Contains($"{pods.Count} pods crash looping", Top.Body.ToJsonString());
        AssertThreadNames(pods);

        // Posted and removed: the resolve goes on either replica.
        var store = b.Service.Get<IStormStore>();
        await Eventually.TrueAsync(async () => await store.HeldAsync("default/slack", "fp-shop-api-0", default) is null,
            TimeSpan.FromSeconds(20), "the digest to leave the store");
        Assert.Equal(StormGate.Absorb.NotAbsorbed, await b.Gate.TryAbsorbAsync(resolve, default));
        await Eventually.True(() => a.Service.Get<StormGates>().Running == 0 && b.Service.Get<StormGates>().Running == 0, "no digest loop left", TimeSpan.FromSeconds(30));
        Assert.Single(_chat.SlackApiAccepted, p => p.ThreadTs is null);
    }

    [Fact]
    public async Task AGroupOfferedAllAtOnceOnTwoReplicasIsOneDigestWithEveryPodOnce()
    {
        // Every pod handed to a gate at once, as a replica's workers do in a storm: each gate offers the pods that
        // wait while its call is out together (the store's set path for pods of a large group), both replicas into
        // one batch; the group is whole only with every pod, so one digest names each pod once.
        var (a, b) = (Replica("01:00:00"), Replica("01:00:00"));
        var pods = Enumerable.Range(0, 10).Select(i => $"api-{i:D2}").ToList(); // no name inside another; few, the chat is paced
        var answers = await Task.WhenAll(pods.Select((pod, i) => (i % 2 == 0 ? a : b).Gate.TryAbsorbAsync(
            Samples.For(Causes.ConfigError, pod: pod, groupKey: "g1", groupSize: pods.Count), default)));
        Assert.All(answers, answer => Assert.Equal(StormGate.Absorb.Absorbed, answer));

        await Eventually.True(() => _chat.SlackApiAccepted.Count == 1 + pods.Count,
            () => $"one digest and {pods.Count} replies; {_chat.SlackApiAccepted.Count} so far", TimeSpan.FromSeconds(30));
        Assert.Contains($"{pods.Count} pods crash looping", Top.Body.ToJsonString());
        AssertThreadNames(pods);
        await Eventually.True(() => a.Service.Get<StormGates>().Running == 0 && b.Service.Get<StormGates>().Running == 0, "no digest loop left", TimeSpan.FromSeconds(30));
        Assert.Single(_chat.SlackApiAccepted, p => p.ThreadTs is null);
    }

    [Fact]
    public async Task PodsGatheredForOneCallWhileTheirWorkersWaitAreOneDigestAndKeepTheirAlertsOrder()
    {
        // A linger far longer than the test: each call goes only because one pod of each of the replica's 4 workers
        // waits for it (no more can come), so the 4 pods handed to a replica are one call of the store, in the order
        // they came. On A, an alert's resolve comes right after its firing, in the same call.
        var (a, b) = (Replica("01:00:00", offerLinger: "00:10:00"), Replica("01:00:00", offerLinger: "00:10:00"));
        var pods = Enumerable.Range(0, 7).Select(i => $"api-{i:D2}").ToList(); // no name inside another
        Notification Fire(int i) => Samples.For(Causes.ConfigError, pod: pods[i], groupKey: "g1", groupSize: pods.Count);
        var onA = new[] { a.Gate.TryAbsorbAsync(Fire(0), default), a.Gate.TryAbsorbAsync(Fire(2), default),
            a.Gate.TryAbsorbAsync(Samples.For(Causes.ConfigError, pod: pods[0], status: "resolved"), default), a.Gate.TryAbsorbAsync(Fire(4), default) };
        var onB = new[] { 1, 3, 5, 6 }.Select(i => b.Gate.TryAbsorbAsync(Fire(i), default)).ToArray();
        var answers = await Task.WhenAll(onA.Concat(onB)).WaitAsync(TimeSpan.FromMinutes(2));

        // The resolve waits for the digest that holds its firing; every firing is in the digest.
        Assert.Equal(StormGate.Absorb.Wait, answers[2]);
        Assert.All(answers.Where((_, i) => i != 2), answer => Assert.Equal(StormGate.Absorb.Absorbed, answer));
        await Eventually.True(() => _chat.SlackApiAccepted.Count == 1 + pods.Count,
            () => $"one digest and {pods.Count} replies; {_chat.SlackApiAccepted.Count} so far", TimeSpan.FromSeconds(30));
        Assert.Contains($"{pods.Count} pods crash looping", Top.Body.ToJsonString());
        AssertThreadNames(pods);
        Assert.Single(_chat.SlackApiAccepted, p => p.ThreadTs is null);
    }

    [Fact]
    public async Task ADigestWhosePosterStopsBeforeTheChatTookItIsPostedOnceByTheOtherReplica()
    {
        // Only a whole group posts it; a refused digest would wait an hour for its retry on its poster.
        var webhook = new Dictionary<string, string?> { ["Routes:default:Slack:WebhookUrl"] = _chat.SlackWebhookUrl };
        var (a, b) = (Replica("01:00:00", webhook, retryDelay: "01:00:00"), Replica("01:00:00", webhook, retryDelay: "01:00:00"));
        var attempts = new System.Collections.Concurrent.ConcurrentQueue<((StormGate Gate, ChatService Service) Replica, DeliveryOutcome Outcome)>();
        a.Gate.DigestPosted += (_, outcome) => attempts.Enqueue((a, outcome));
        b.Gate.DigestPosted += (_, outcome) => attempts.Enqueue((b, outcome));
        _chat.Script("slack-webhook", 503, times: 1);

        await AbsorbOneGroupOnBothAsync(a, b, 4);

        // One replica claimed it and met the 503; it stops (a rollout) while its retry is an hour away.
        await Eventually.True(() => !attempts.IsEmpty, "the first attempt", TimeSpan.FromSeconds(30));
        var (poster, outcome) = Assert.Single(attempts);
        Assert.IsType<DeliveryOutcome.Retryable>(outcome);
        _services.Remove(poster.Service);
        await poster.Service.DisposeAsync();

        // The other replica, which joined the batch, takes it over once the poster's session is gone.
        var other = poster == a ? b : a;
        await Eventually.True(() => _chat.AcceptedCount("slack-webhook") == 1, "the digest posted by the other replica", TimeSpan.FromSeconds(30));
        Assert.Contains("4 pods crash looping", _chat.To("slack-webhook").Single(r => r.Accepted).Body);
        await Eventually.True(() => other.Service.Get<StormGates>().Running == 0, "no digest loop left", TimeSpan.FromSeconds(30));
        Assert.Equal(2, _chat.To("slack-webhook").Count());
        Assert.Empty(await other.Service.Get<IStormStore>().PendingAsync("default/slack", default));
    }

    [Fact]
    public async Task AReplicaWaitingForABatchAnotherReplicaPostsStopsWaitingAndTakesItOverWhenThePosterEnds()
    {
        // Only a whole group posts it; the poster's refused digest waits an hour for its retry, so it holds the batch.
        var webhook = new Dictionary<string, string?> { ["Routes:default:Slack:WebhookUrl"] = _chat.SlackWebhookUrl };
        var (a, b) = (Replica("01:00:00", webhook, retryDelay: "01:00:00"), Replica("01:00:00", webhook, retryDelay: "01:00:00"));
        var attempts = new System.Collections.Concurrent.ConcurrentQueue<ChatService>();
        a.Gate.DigestPosted += (_, _) => attempts.Enqueue(a.Service);
        b.Gate.DigestPosted += (_, _) => attempts.Enqueue(b.Service);
        _chat.Script("slack-webhook", 503, times: 1);

        // Both replicas join the batch; the last pod makes the group whole, and one of them claims it and meets the 503.
        var pods = await AbsorbOneGroupOnBothAsync(a, b, 4);
        await Eventually.True(() => !attempts.IsEmpty, "the first attempt", TimeSpan.FromSeconds(30));
        var poster = Assert.Single(attempts);
        var other = poster == a.Service ? b : a;

        // The other replica's wait for the batch ends (the claim's notice, or its next ask finding it taken) while the
        // poster still holds it: it does not keep asking the store about a batch a running replica posts.
        await Eventually.True(() => other.Service.Get<StormGates>().Running == 0, "the other replica's wait to end", TimeSpan.FromSeconds(30));
        Assert.Equal(1, poster.Get<StormGates>().Running);
        Assert.Equal(0, _chat.AcceptedCount("slack-webhook"));
        // The alert's later item still waits for the digest on the replica that stopped waiting.
        Assert.Equal(StormGate.Absorb.Wait, await other.Gate.TryAbsorbAsync(Samples.For(Causes.ConfigError, pod: pods[0], status: "resolved"), default));

        // The poster ends with its retry an hour away: the other replica's look for orphaned batches takes it over.
        _services.Remove(poster);
        await poster.DisposeAsync();
        await Eventually.True(() => _chat.AcceptedCount("slack-webhook") == 1, "the digest posted by the other replica",
            StormGates.OrphanScan + TimeSpan.FromSeconds(30));
        Assert.Contains("4 pods crash looping", _chat.To("slack-webhook").Single(r => r.Accepted).Body);
        await Eventually.True(() => other.Service.Get<StormGates>().Running == 0, "no digest loop left", TimeSpan.FromSeconds(30));
        Assert.Equal(2, _chat.To("slack-webhook").Count());
        Assert.Empty(await other.Service.Get<IStormStore>().PendingAsync("default/slack", default));
    }

    [Fact]
    public async Task AReplicaStartedWhileTheDatabaseIsDownPostsTheDigestsItsPredecessorHeldOnceTheDatabaseIsUp()
    {
        // A database of this test's own, to stop and start.
        await using var database = await PostgresServer.StartAsync(ServiceProcess.FreePort());
        var connectionString = new Npgsql.NpgsqlConnectionStringBuilder(await database.ConnectionStringAsync("held_digests")) { Timeout = 2 }.ConnectionString;
        // The old replica holds four pods of a group of six (only the whole group, or an hour, would post it) and ends.
        var old = Replica("01:00:00", connectionString: connectionString);
        var pods = Pods(4).ToList();
        foreach (var pod in pods)
            Assert.Equal(StormGate.Absorb.Absorbed, await old.Gate.TryAbsorbAsync(
                Samples.For(Causes.ConfigError, pod: pod, groupKey: "g1", groupSize: 6), default));
        _services.Remove(old.Service);
        await old.Service.DisposeAsync();
        Assert.Empty(_chat.SlackApiAccepted);

        // Its successor starts while the database is down: its start finds nothing to recover, and says so.
        await database.StopAsync();
        var next = Replica("00:00:01", connectionString: connectionString);
        await Eventually.True(() => next.Service.Logs.Entries.Any(e => e.Message.Contains("could not be read", StringComparison.Ordinal)),
            "the start's recovery to fail", TimeSpan.FromSeconds(60));
        Assert.Empty(_chat.SlackApiAccepted);

        // The database is back: without a restart, the successor posts the held digest, once.
        await database.StartProcessAsync();
        await Eventually.True(() => _chat.SlackApiAccepted.Count == 1 + pods.Count,
            () => $"one digest and {pods.Count} replies; {_chat.SlackApiAccepted.Count} so far", TimeSpan.FromSeconds(90));
        Assert.Contains($"{pods.Count} pods crash looping", Top.Body.ToJsonString());
        AssertThreadNames(pods);
        await Eventually.TrueAsync(async () => (await next.Service.Get<IStormStore>().PendingAsync("default/slack", default)).Count == 0,
            TimeSpan.FromSeconds(30), "the digest to leave the store");
        _services.Remove(next.Service);
        await next.Service.DisposeAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var service in _services) await service.DisposeAsync();
        await _chat.DisposeAsync();
    }
}
