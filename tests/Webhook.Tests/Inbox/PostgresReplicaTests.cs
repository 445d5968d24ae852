using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Webhook.Inbox;
using static Webhook.Tests.Inbox.InboxTestItems;

namespace Webhook.Tests.Inbox;

/// <summary>
/// Beyond the contract: two <see cref="PostgresInbox"/> instances on one database are two replicas. What one
/// store alone cannot show: an alert posted to both is one item, and their concurrent claims never hand out an item
/// twice, nor two items of one alert at once.
/// </summary>
[Collection(nameof(PostgresCollection))]
public sealed class PostgresReplicaTests(PostgresServer server) : IAsyncLifetime
{
    static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);
    PostgresInbox _a = null!, _b = null!;
    string _connectionString = "";

    public async Task InitializeAsync()
    {
        _connectionString = await server.ConnectionStringAsync("inbox_replicas", $"t{Guid.NewGuid():n}");
        // Both start at once, as replicas of a rollout do: the migration lock makes one create the tables.
        var stores = await Task.WhenAll(OpenAsync(_connectionString), OpenAsync(_connectionString));
        (_a, _b) = (stores[0], stores[1]);
    }

    static Task<PostgresInbox> OpenAsync(string connectionString) => PostgresServer.OpenInboxAsync(connectionString, TimeProvider.System);

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    [Fact]
    public async Task TheSameAlertPostedToBothReplicasIsOneItem()
    {
        Assert.Equal(new EnqueueResult(1, 0), await _a.EnqueueAsync([Item("a")]));
        Assert.Equal(new EnqueueResult(0, 1), await _b.EnqueueAsync([Item("a")]));

        // An HA pair posting the same group to both at the same moment.
        var batch = Enumerable.Range(0, 200).Select(i => Item($"pair-{i}")).ToList();
        var results = await Task.WhenAll(Task.Run(() => _a.EnqueueAsync(batch)), Task.Run(() => _b.EnqueueAsync(batch)));

        Assert.Equal(200, results.Sum(r => r.Inserted));
        Assert.Equal(200, results.Sum(r => r.Duplicates));
        Assert.Equal(201, (await _b.CountsAsync(CancellationToken.None)).Pending);
    }

    [Fact]
    public async Task ItemsCommittedByOneReplicaRingTheDoorbellOfTheOther()
    {
        var doorbell = new InboxDoorbell();
        await using var listening = new PostgresInbox(
            Options.Create(new InboxOptions { Provider = InboxProvider.Postgres, ConnectionString = _connectionString }), TimeProvider.System, doorbell: doorbell);
        await listening.InitializeAsync(CancellationToken.None);
        Assert.False(await doorbell.WaitAsync(TimeSpan.Zero, CancellationToken.None));

        await _a.EnqueueAsync([Item("wake")]);

        Assert.True(await doorbell.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None), "no wake-up within 30 s");
        Assert.Single(await listening.ClaimAsync(1, Lease, CancellationToken.None));
    }

    [Fact]
    public async Task AReplicaRecoversTheClaimsOfAStoppedReplicaButNotThoseOfALiveOne()
    {
        await _a.EnqueueAsync([Item("held")]);
        var held = Assert.Single(await _a.ClaimAsync(1, Lease, CancellationToken.None));

        Assert.Equal(0, await _b.RecoverInFlightAsync(CancellationToken.None)); // _a is alive: its lease stands
        Assert.Empty(await _b.ClaimAsync(1, Lease, CancellationToken.None));
        await _a.DisposeAsync();
        _a = await OpenAsync(_connectionString);

        Assert.Equal(1, await _b.RecoverInFlightAsync(CancellationToken.None));
        Assert.Equal(held.Id, Assert.Single(await _b.ClaimAsync(1, Lease, CancellationToken.None)).Id);
    }

    [Fact]
    public async Task ConcurrentClaimsOfTwoReplicasHandOutEveryItemExactlyOnce()
    {
        const int Items = 500;
        await _a.EnqueueAsync([.. Enumerable.Range(0, Items).Select(i => Item($"f-{i}"))]);
        var claims = new ConcurrentDictionary<long, int>();

        await Task.WhenAll(ClaimLoops(_a), ClaimLoops(_b));

        Assert.Equal(Items, claims.Count);
        Assert.All(claims, c => Assert.Equal(1, c.Value));
        var counts = await _a.CountsAsync(CancellationToken.None);
        Assert.Equal((Items, 0L, 0L), (counts.Delivered, counts.Pending, counts.InFlight));

        // Two workers per replica, each claiming a few at a time, until every item was handed out (bounded in time).
        Task ClaimLoops(PostgresInbox store) => Task.WhenAll(Enumerable.Range(0, 2).Select(worker => Task.Run(async () =>
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            while (claims.Count < Items)
            {
                foreach (var item in await store.ClaimAsync(5, Lease, deadline.Token))
                {
                    claims.AddOrUpdate(item.Id, 1, (_, n) => n + 1);
                    Assert.True(await store.CompleteAsync(item, null, deadline.Token));
                }
            }
        })));
    }

    [Fact]
    public async Task TwoReplicasNeverHaveTwoItemsOfOneAlertInFlightAndKeepTheirOrder()
    {
        const int Alerts = 60;
        // Three items per alert, queued in order: a firing, a firing of a later start, then that one's resolved, which
        // supersedes it: two are handed out per alert, the first firing before the resolved.
        for (var minute = 0; minute < 3; minute++)
        {
            var status = minute == 2 ? "resolved" : "firing";
            var start = minute == 2 ? 1 : minute;
            await (minute % 2 == 0 ? _a : _b).EnqueueAsync([.. Enumerable.Range(0, Alerts).Select(i => Item($"o-{i}", status, start))]);
        }
        var inFlight = new ConcurrentDictionary<string, long>();
        var handedOut = new ConcurrentDictionary<string, ConcurrentQueue<long>>();
        var violations = new ConcurrentQueue<string>();
        var finished = 0;

        await Task.WhenAll([.. new[] { _a, _b }.SelectMany(store => Enumerable.Range(0, 2).Select(worker => Task.Run(async () =>
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            while (Volatile.Read(ref finished) < Alerts * 2)
            {
                foreach (var item in await store.ClaimAsync(3, Lease, deadline.Token))
                {
                    if (!inFlight.TryAdd(item.Alert.Fingerprint, item.Id))
                        violations.Enqueue($"{item.Alert.Fingerprint}: item {item.Id} handed out while {inFlight[item.Alert.Fingerprint]} is in flight");
                    handedOut.GetOrAdd(item.Alert.Fingerprint, _ => new()).Enqueue(item.Id);
                    // Released before the commit: the other replica can claim the next item only after it.
                    inFlight.TryRemove(item.Alert.Fingerprint, out _);
                    Assert.True(await store.CompleteAsync(item, null, deadline.Token));
                    Interlocked.Increment(ref finished);
                }
            }
        })))]);

        Assert.Empty(violations);
        Assert.Equal(Alerts, handedOut.Count);
        Assert.All(handedOut.Values, ids => Assert.Equal(ids.Order(), ids));
        Assert.All(handedOut.Values, ids => Assert.Equal(2, ids.Count));
        Assert.Equal(Alerts, (await _a.CountsAsync(CancellationToken.None)).Superseded);
    }
}
