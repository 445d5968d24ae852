using Microsoft.Extensions.Options;
using Webhook.Diagnosis;
using Webhook.Inbox;
using Webhook.Notify.Storm;
using Webhook.Tests.Notify;

namespace Webhook.Tests.Storage;

/// <summary>
/// The shared store passes the contract on a real PostgreSQL server started for the run (<see cref="PostgresServer"/>),
/// in a schema of its own per test; a restart closes the store's <see cref="PostgresInbox"/> (the process ends) and
/// opens a new one. Beyond the contract: which replica recovers held pods.
/// </summary>
[Collection(nameof(PostgresCollection))]
public sealed class PostgresStormStoreTests(PostgresServer server) : StormStoreContract
{
    const string Slack = "default/slack";
    const string Teams = "default/teams";
    readonly List<PostgresInbox> _running = [];
    string? _connectionString;

    protected override bool Shared => true;

    protected override async Task<IStormStore> OpenAsync()
    {
        // The contract's restart: the process before this one has ended, and its owner lock with it.
        await StopAllAsync();
        return await ReplicaAsync();
    }

    async Task<IStormStore> ReplicaAsync() => new PostgresStormStore(await DatabaseAsync());

    async Task<PostgresInbox> DatabaseAsync()
    {
        var database = await PostgresServer.OpenInboxAsync(
            _connectionString ??= await server.ConnectionStringAsync("storm_contract", $"t{Guid.NewGuid():n}"), TimeProvider.System);
        _running.Add(database);
        return database;
    }

    [Fact]
    public async Task HeldPodsAreRecoveredOnlyOnceTheirReplicaIsGoneAndThenByOneReplica()
    {
        var holder = await DatabaseAsync();
        var a = new PostgresStormStore(holder);
        var batch = new StormBatchInfo("batch-a", "firing|window", int.MaxValue);
        var entry = StormEntry.From(Samples.For(Causes.ConfigError, pod: "api-1"), NotifyTestKit.Content);
        Assert.True((await a.JoinAsync(Slack, batch, entry, DateTimeOffset.UnixEpoch, default)).Added);

        // A replica starting (a rollout) while the holder runs: the holder posts its batch, the newcomer does not.
        var b = await ReplicaAsync();
        Assert.Empty(await b.PendingAsync(Slack, default));
        Assert.Single(await a.PendingAsync(Slack, default));

        // The holder's process ends: of two replicas starting together, one takes the batch over, whole.
        await holder.DisposeAsync();
        _running.Remove(holder);
        var (c, d) = (await ReplicaAsync(), await ReplicaAsync());
        var recovered = await Task.WhenAll(b.PendingAsync(Slack, default), c.PendingAsync(Slack, default), d.PendingAsync(Slack, default));
        var taken = Assert.Single(recovered.SelectMany(r => r));
        Assert.Equal(batch, taken.Batch);
        Assert.Equal(entry.IdempotencyKey, Assert.Single(taken.Entries).IdempotencyKey);
    }

    static StormEntry Pod(string pod) => StormEntry.From(Samples.For(Causes.ConfigError, pod: pod), NotifyTestKit.Content);

    [Fact]
    public async Task PodsOfOneKeyFromTwoReplicasJoinOneBatchThatOneOfThemClaimsAndTheOtherTakesOverWhenItsPosterIsGone()
    {
        var t0 = DateTimeOffset.Parse("2026-11-24T10:00:00Z");
        var options = new StormOptions { Settle = TimeSpan.FromSeconds(5), MaxHold = TimeSpan.FromSeconds(60) };
        var holderA = await DatabaseAsync();
        var (a, b) = (new PostgresStormStore(holderA), await ReplicaAsync());

        // Each replica proposes a batch of its own; the second joins the first's, and the count is of both.
        var first = await a.JoinAsync(Slack, new StormBatchInfo("from-a", "firing|group|g1", 4), Pod("api-1"), t0, default);
        var second = await b.JoinAsync(Slack, new StormBatchInfo("from-b", "firing|group|g1", 4), Pod("api-2"), t0.AddSeconds(1), default);
        Assert.Equal("from-a", second.Batch.Id);
        Assert.Equal((1, 2), (first.Count, second.Count));
        Assert.Equal(t0.AddSeconds(1), second.LastAdded);
        // Pods joining at the same moment on both replicas, all into the one batch.
        var joins = await Task.WhenAll(
            a.JoinAsync(Slack, new StormBatchInfo("a-2", "firing|group|g1", 4), Pod("api-3"), t0.AddSeconds(2), default),
            b.JoinAsync(Slack, new StormBatchInfo("b-2", "firing|group|g1", 4), Pod("api-4"), t0.AddSeconds(2), default));
        Assert.All(joins, j => Assert.Equal("from-a", j.Batch.Id));
        // Joins go on together (the batch row is locked for share): each counts the pods in before it and its own.
        Assert.All(joins, j => Assert.InRange(j.Count, 3, 4));

        // Not due by B's own view of an earlier moment? Due on the row: all four in. Both claim at once: one wins.
        var claims = await Task.WhenAll(a.ClaimAsync(Slack, "from-a", t0.AddSeconds(3), options, default), b.ClaimAsync(Slack, "from-a", t0.AddSeconds(3), options, default));
        var won = Assert.Single(claims.OfType<StormClaim.Claimed>());
        Assert.Single(claims.OfType<StormClaim.Taken>());
        Assert.Equal(4, won.Batch.Entries.Count);
        var winner = claims[0] is StormClaim.Claimed ? a : b;
        var loser = winner == a ? b : a;
        // The other replica's held alerts wait for the batch whichever replica holds them.
        Assert.Equal(Pod("api-1").IdempotencyKey, await b.HeldAsync(Slack, "fp-shop-api-1", default));

        if (winner == a)
        {
            // The poster's process ends before it removed the batch: the other takes it over, whole.
            await holderA.DisposeAsync();
            _running.Remove(holderA);
            var takeover = Assert.IsType<StormClaim.Claimed>(await loser.ClaimAsync(Slack, "from-a", t0.AddSeconds(10), options, default));
            Assert.Equal(4, takeover.Batch.Entries.Count);
        }
        else Assert.IsType<StormClaim.Taken>(await loser.ClaimAsync(Slack, "from-a", t0.AddSeconds(10), options, default));
    }

    [Fact]
    public async Task CallersOpeningABatchUnderTheSameIdAtOnceAllJoinOneBatch()
    {
        var (a, b) = (await ReplicaAsync(), await ReplicaAsync());
        var proposal = new StormBatchInfo("same", "firing|window", int.MaxValue);
        var joins = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            (i % 2 == 0 ? a : b).JoinAsync(Slack, proposal, Pod($"api-{i}"), DateTimeOffset.UnixEpoch, default)));
        Assert.All(joins, j => Assert.True(j.Added));
        Assert.Equal(["same"], joins.Select(j => j.Batch.Id).Distinct());

        // Claimed, with all eight, its id is used: a late proposal of it opens a new batch.
        var claimed = Assert.IsType<StormClaim.Claimed>(await a.ClaimAsync(Slack, "same", DateTimeOffset.UnixEpoch.AddMinutes(5), new StormOptions(), default));
        Assert.Equal(8, claimed.Batch.Entries.Count);
        var late = await b.JoinAsync(Slack, proposal, Pod("api-9"), DateTimeOffset.UnixEpoch.AddMinutes(5), default);
        Assert.NotEqual("same", late.Batch.Id);
        Assert.Equal(1, late.Count);
    }

    [Fact]
    public async Task ABatchNotDueOnItsRowIsNotClaimedAndSaysWhenItWillBe()
    {
        var t0 = DateTimeOffset.Parse("2026-11-24T10:00:00Z");
        var options = new StormOptions { Settle = TimeSpan.FromSeconds(5), MaxHold = TimeSpan.FromSeconds(60) };
        var (a, b) = (await ReplicaAsync(), await ReplicaAsync());
        await a.JoinAsync(Slack, new StormBatchInfo("w", "firing|window", int.MaxValue), Pod("api-1"), t0, default);
        // B's pod joined later than A knows: A, finding its own view due, is told to wait for B's settle.
        await b.JoinAsync(Slack, new StormBatchInfo("w-b", "firing|window", int.MaxValue), Pod("api-2"), t0.AddSeconds(4), default);
        var notDue = Assert.IsType<StormClaim.NotDue>(await a.ClaimAsync(Slack, "w", t0.AddSeconds(5), options, default));
        Assert.Equal((t0.AddSeconds(9), 2), (notDue.DueAt, notDue.Count));
        Assert.IsType<StormClaim.Claimed>(await a.ClaimAsync(Slack, "w", t0.AddSeconds(9), options, default));
    }

    [Fact]
    public async Task PodsAVersion3ReplicaHeldWithoutABatchRowAreTakenOverOnceItIsGone()
    {
        var old = await DatabaseAsync();
        var entry = Pod("api-1");
        await new PostgresStormStore(old).JoinAsync(Slack, new StormBatchInfo("v3", "firing|window", int.MaxValue), entry, DateTimeOffset.UnixEpoch, default);
        // What a version-3 replica writes: the pod, no batch row.
        await using (var connection = new Npgsql.NpgsqlConnection(_connectionString))
        {
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand("DELETE FROM storm_batches", connection);
            await command.ExecuteNonQueryAsync();
        }
        var next = await ReplicaAsync();
        Assert.Empty(await next.PendingAsync(Slack, default));

        await old.DisposeAsync();
        _running.Remove(old);
        var taken = Assert.Single(await next.PendingAsync(Slack, default));
        Assert.Equal(entry.IdempotencyKey, Assert.Single(taken.Entries).IdempotencyKey);
        var claimed = Assert.IsType<StormClaim.Claimed>(await next.ClaimAsync(Slack, "v3", DateTimeOffset.UnixEpoch, new StormOptions(), default));
        Assert.Equal("firing|window", claimed.Batch.Batch.Key);
    }

    [Fact]
    public async Task AnOfferSaysInOneCallWhetherThePodsAlertIsHeldOrTheWindowOfEveryReplicaIsOverTheThresholdAndJoinsIfSo()
    {
        var t0 = DateTimeOffset.Parse("2026-11-24T10:00:00Z");
        var window = TimeSpan.FromMinutes(2);
        var (a, b) = ((IStormOffers)await ReplicaAsync(), (IStormOffers)await ReplicaAsync());
        // Threshold 2, as the gate asks: local is this replica's own count of the window, this pod included.
        static StormOfferRequest Offer(StormEntry pod, DateTimeOffset at, int local = 1, int group = 0) => new("firing", pod.IdempotencyKey,
            pod.Fingerprint, at, TimeSpan.FromMinutes(2), local, 2, group > 0,
            new StormBatchInfo(Guid.NewGuid().ToString("N"), group > 0 ? "firing|group|g" : "firing|window", group > 0 ? group : int.MaxValue), pod);

        // Two pods of two replicas, one of them offered twice (an item retried): not a storm.
        Assert.IsType<StormOffer.Below>(await One(b, Slack, Offer(Pod("api-1"), t0)));
        Assert.IsType<StormOffer.Below>(await One(a, Slack, Offer(Pod("api-2"), t0.AddSeconds(60))));
        Assert.IsType<StormOffer.Below>(await One(a, Slack, Offer(Pod("api-1"), t0.AddSeconds(61))));
        // The third pod of the window, whichever replica saw the others, joins; so does one whose replica's own
        // window is over the threshold already.
        var third = Assert.IsType<StormOffer.Joined>(await One(b, Slack, Offer(Pod("api-3"), t0.AddSeconds(62)))).Join;
        Assert.True(third.Added);
        var fourth = Assert.IsType<StormOffer.Joined>(await One(a, Slack, Offer(Pod("api-4"), t0.AddSeconds(63), local: 3))).Join;
        Assert.Equal((third.Batch, true), (fourth.Batch, fourth.Added));

        // Its alert held: the alert's next item waits for that one, and the held item itself is already absorbed.
        var resolved = Pod("api-3") with { IdempotencyKey = "api-3-resolved" };
        Assert.Equal(new StormOffer.Held(Pod("api-3").IdempotencyKey), await One(a, Slack, Offer(resolved, t0.AddSeconds(64))));
        Assert.Equal(new StormOffer.Held(Pod("api-3").IdempotencyKey), await One(a, Slack, Offer(Pod("api-3"), t0.AddSeconds(64))));

        // A large Alertmanager group joins without a storm in the window, and its batch counts its pods.
        var group = Assert.IsType<StormOffer.Joined>(await One(a, Slack, Offer(Pod("g-1"), t0.AddSeconds(65), group: 3))).Join;
        Assert.Equal((true, 1), (group.Added, group.Count));
        Assert.NotEqual(third.Batch.Id, group.Batch.Id);

        // Another chat's window (each is counted apart). Past the window of api-1's first sighting (t0) its row is
        // still there (expired rows go now and then: A deleted them last at t0 + 60 s), yet seen again it counts from
        // now: with api-9 of t0 + 60 s and one more, the window is over.
        Assert.IsType<StormOffer.Below>(await One(b, Teams, Offer(Pod("api-1"), t0)));
        Assert.IsType<StormOffer.Below>(await One(a, Teams, Offer(Pod("api-9"), t0.AddSeconds(60))));
        var later = t0 + window + TimeSpan.FromSeconds(30);
        Assert.IsType<StormOffer.Below>(await One(a, Teams, Offer(Pod("api-1"), later)));
        Assert.IsType<StormOffer.Joined>(await One(a, Teams, Offer(Pod("api-7"), later)));
    }

    static async Task<StormOffer> One(IStormOffers store, string destination, StormOfferRequest request) =>
        Assert.Single(await store.OfferAsync(destination, [request], default));

    [Fact]
    public async Task PodsOfferedInOneCallAreTakenInOrderEachSeeingWhatThoseBeforeItDid()
    {
        var t0 = DateTimeOffset.Parse("2026-11-24T10:00:00Z");
        var store = (IStormOffers)await ReplicaAsync();
        static StormOfferRequest Offer(StormEntry pod, DateTimeOffset at) => new("firing", pod.IdempotencyKey, pod.Fingerprint, at,
            TimeSpan.FromMinutes(2), 1, 2, false, new StormBatchInfo(Guid.NewGuid().ToString("N"), "firing|window", int.MaxValue), pod);
        var firing = Pod("api-3");
        var resolved = firing with { IdempotencyKey = "api-3-resolved" };

        // Threshold 2: the window counts the call's earlier pods, and the resolve finds its firing held by the same call.
        var answers = await store.OfferAsync(Slack, [Offer(Pod("api-1"), t0), Offer(Pod("api-2"), t0), Offer(firing, t0), Offer(resolved, t0.AddSeconds(1)), Offer(Pod("api-4"), t0.AddSeconds(1))], default);
        Assert.IsType<StormOffer.Below>(answers[0]);
        Assert.IsType<StormOffer.Below>(answers[1]);
        var third = Assert.IsType<StormOffer.Joined>(answers[2]).Join;
        Assert.Equal(new StormOffer.Held(firing.IdempotencyKey), answers[3]);
        var fifth = Assert.IsType<StormOffer.Joined>(answers[4]).Join;
        Assert.Equal((third.Batch.Id, true, true), (fifth.Batch.Id, third.Added, fifth.Added));
        Assert.Empty(await store.OfferAsync(Slack, [], default));
    }

    [Fact]
    public async Task PodsOfLargeGroupsOfferedInOneCallJoinTheirGroupsBatchesAndNoteTheWindowTogether()
    {
        var t0 = DateTimeOffset.Parse("2026-11-24T10:00:00Z");
        var (a, b) = ((IStormOffers)await ReplicaAsync(), (IStormOffers)await ReplicaAsync());
        // Threshold 2; each pod of an Alertmanager group larger than that (the call's set-based path, migration 8).
        static StormOfferRequest Group(StormEntry pod, DateTimeOffset at, string group, int size) => new("firing", pod.IdempotencyKey,
            pod.Fingerprint, at, TimeSpan.FromMinutes(2), 1, 2, true, new StormBatchInfo(Guid.NewGuid().ToString("N"), "firing|group|" + group, size), pod);
        var api9 = Pod("api-9");
        Assert.IsType<StormOffer.Joined>(await One(b, Slack, Group(api9, t0, "g0", 5)));

        var answers = await a.OfferAsync(Slack, [Group(Pod("g1-1"), t0, "g1", 4), Group(Pod("g2-1"), t0, "g2", 3),
            Group(Pod("g1-2"), t0.AddSeconds(1), "g1", 4), Group(api9 with { IdempotencyKey = "api-9-resolved" }, t0.AddSeconds(1), "g0", 5),
            Group(Pod("g2-2"), t0.AddSeconds(2), "g2", 3)], default);
        var (g1, g2) = (Assert.IsType<StormOffer.Joined>(answers[0]).Join, Assert.IsType<StormOffer.Joined>(answers[1]).Join);
        Assert.Equal(g1 with { Count = 2, LastAdded = t0.AddSeconds(1) }, Assert.IsType<StormOffer.Joined>(answers[2]).Join with { Batch = g1.Batch });
        Assert.Equal(("firing|group|g1", 4, true, 2, t0, t0.AddSeconds(1)),
            (g1.Batch.Key, g1.Batch.Expected, g1.Added, g1.Count, g1.FirstAdded, g1.LastAdded));
        Assert.Equal(g1.Batch.Id, Assert.IsType<StormOffer.Joined>(answers[2]).Join.Batch.Id);
        // Its alert's earlier item is held in B's digest: it waits.
        Assert.Equal(new StormOffer.Held(api9.IdempotencyKey), answers[3]);
        var g2Last = Assert.IsType<StormOffer.Joined>(answers[4]).Join;
        Assert.Equal((g2.Batch.Id, 3, 2, t0.AddSeconds(2)), (g2Last.Batch.Id, g2.Batch.Expected, g2Last.Count, g2Last.LastAdded));
        Assert.NotEqual(g1.Batch.Id, g2.Batch.Id);

        // The group's other pods from another replica join the same batch, which is then complete.
        var rest = await b.OfferAsync(Slack, [Group(Pod("g1-3"), t0.AddSeconds(3), "g1", 4), Group(Pod("g1-4"), t0.AddSeconds(3), "g1", 4)], default);
        Assert.All(rest, r => Assert.Equal((g1.Batch.Id, true, 4), (((StormOffer.Joined)r).Join.Batch.Id, ((StormOffer.Joined)r).Join.Added, ((StormOffer.Joined)r).Join.Count)));

        // Offered again (items retried after a restart): held already, by themselves, so absorbed; nothing is added.
        Assert.Equal([new StormOffer.Held(Pod("g1-1").IdempotencyKey), new StormOffer.Held(Pod("g2-2").IdempotencyKey)],
            await a.OfferAsync(Slack, [Group(Pod("g1-1"), t0.AddSeconds(4), "g1", 4), Group(Pod("g2-2"), t0.AddSeconds(4), "g2", 3)], default));

        // The groups' pods counted in the window (the held resolve did not): a pod of no large group is in a storm.
        Assert.IsType<StormOffer.Joined>(await One(a, Slack, new StormOfferRequest("firing", "api-5", null, t0.AddSeconds(5), TimeSpan.FromMinutes(2),
            1, 2, false, new StormBatchInfo(Guid.NewGuid().ToString("N"), "firing|window", int.MaxValue), Pod("api-5"))));

        var claimed = Assert.IsType<StormClaim.Claimed>(await ((IStormStore)a).ClaimAsync(Slack, g1.Batch.Id, t0.AddSeconds(5), new StormOptions(), default));
        Assert.Equal(new[] { "g1-1", "g1-2", "g1-3", "g1-4" }.Select(p => Pod(p).IdempotencyKey), claimed.Batch.Entries.Select(e => e.IdempotencyKey));
    }

    async Task StopAllAsync()
    {
        foreach (var database in _running) await database.DisposeAsync();
        _running.Clear();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await StopAllAsync();
    }
}
