using Webhook.Inbox;
using Webhook.Tests.Storage;
using static Webhook.Tests.Inbox.InboxTestItems;

namespace Webhook.Tests.Inbox;

/// <summary>
/// Inbox:ClaimAhead on the PostgreSQL store: a claim takes more than asked and keeps the rest for the next requests
/// of the replica, so a storm's claims are several items each. Kept items are still this replica's only while their
/// lease is safe to work under; they go back to the queue when they are older than a third of it, and when the
/// store stops.
/// </summary>
[Collection(nameof(PostgresCollection))]
public sealed class PostgresClaimAheadTests(PostgresServer server)
{
    static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    async Task<(string ConnectionString, ManualClock Clock)> DatabaseAsync() =>
        (await server.ConnectionStringAsync("inbox_ahead", $"t{Guid.NewGuid():n}"), new ManualClock());

    static Task<PostgresInbox> OpenAsync(string connectionString, TimeProvider clock, int ahead, int maxAhead = 0) =>
        PostgresServer.OpenInboxAsync(connectionString, clock, options =>
        {
            options.ClaimAhead = ahead;
            options.MaxClaimAhead = maxAhead;
        });

    [Theory]
    [InlineData(4, 16, 4, 5, 5, 8)] // full: doubles
    [InlineData(4, 16, 8, 9, 9, 16)]
    [InlineData(4, 16, 16, 17, 17, 16)] // bounded
    [InlineData(4, 16, 16, 17, 9, 16)] // half or more: other replicas took some, the backlog is still there
    [InlineData(4, 16, 16, 17, 8, 4)] // less: the backlog is gone, back to Inbox:ClaimAhead at once
    [InlineData(4, 2, 4, 5, 5, 4)] // a bound below ClaimAhead: no growth
    [InlineData(0, 16, 0, 1, 1, 0)] // off stays off
    [InlineData(3, 10, 6, 6, 6, 10)]
    public void ClaimAheadDoublesWhileClaimsComeBackFullUpToItsBound(int ahead, int maxAhead, int current, int asked, int got, int expected) =>
        Assert.Equal(expected, PostgresInbox.NextAheadSize(new InboxOptions { ClaimAhead = ahead, MaxClaimAhead = maxAhead }, current, asked, got));

    [Fact]
    public async Task UnderABacklogTheClaimsGrowButAReplicaNeverHoldsMoreThanItsBoundAhead()
    {
        var (connectionString, clock) = await DatabaseAsync();
        var inbox = await OpenAsync(connectionString, clock, ahead: 1, maxAhead: 4);
        var names = Enumerable.Range(0, 30).Select(i => $"f{i:00}").ToArray();
        await inbox.EnqueueAsync(names.Select(n => Item(n)).ToArray());

        // One worker: claims one, completes it, claims the next. What this replica holds after each claim is the
        // worker's item and what is kept for the next worker.
        var order = new List<string>();
        var held = new List<long>();
        for (var i = 0; i < 12; i++)
        {
            var item = Assert.Single(await inbox.ClaimAsync(1, Lease, CancellationToken.None));
            order.Add(item.Alert.Fingerprint);
            held.Add((await inbox.CountsAsync(CancellationToken.None)).InFlight);
            Assert.True(await inbox.CompleteAsync(item, "console", CancellationToken.None));
        }
        Assert.Equal(names.Take(12), order);
        // Grown: with Inbox:ClaimAhead alone a claim keeps 1 (2 held at most). Bounded: the worker's item and 4 kept.
        Assert.Contains(held, h => h >= 4);
        Assert.All(held, h => Assert.InRange(h, 1, 5));

        // Another replica takes the rest meanwhile; what the first kept goes back when it stops, so all is delivered once.
        await using var other = await OpenAsync(connectionString, clock, ahead: 0);
        var rest = new List<string>();
        foreach (var item in await other.ClaimAsync(30, Lease, CancellationToken.None))
        {
            rest.Add(item.Alert.Fingerprint);
            Assert.True(await other.CompleteAsync(item, "console", CancellationToken.None));
        }
        Assert.InRange(rest.Count, 30 - 12 - 5, 30 - 12);
        await inbox.DisposeAsync();
        foreach (var item in await other.ClaimAsync(30, Lease, CancellationToken.None))
        {
            rest.Add(item.Alert.Fingerprint);
            Assert.True(await other.CompleteAsync(item, "console", CancellationToken.None));
        }
        Assert.Equal(names.Skip(12).Order(), rest.Order());
        Assert.Equal(30, (await other.CountsAsync(CancellationToken.None)).Delivered);
    }

    [Fact]
    public async Task AClaimKeepsItemsAheadAndTheNextRequestsGetThemEachOnce()
    {
        var (connectionString, clock) = await DatabaseAsync();
        await using var inbox = await OpenAsync(connectionString, clock, ahead: 2);
        await inbox.EnqueueAsync([Item("a"), Item("b"), Item("c"), Item("d")]);

        var first = Assert.Single(await inbox.ClaimAsync(1, Lease, CancellationToken.None));
        Assert.Equal("a", first.Alert.Fingerprint);
        // One asked, two more leased for the next requests.
        Assert.Equal(3, (await inbox.CountsAsync(CancellationToken.None)).InFlight);

        var claimed = new List<InboxItem> { first };
        for (var i = 0; i < 3; i++) claimed.Add(Assert.Single(await inbox.ClaimAsync(1, Lease, CancellationToken.None)));
        Assert.Equal(["a", "b", "c", "d"], claimed.Select(c => c.Alert.Fingerprint));
        foreach (var item in claimed) Assert.True(await inbox.CompleteAsync(item, "console", CancellationToken.None));
        Assert.Empty(await inbox.ClaimAsync(1, Lease, CancellationToken.None));
        Assert.Equal(4, (await inbox.CountsAsync(CancellationToken.None)).Delivered);
    }

    [Fact]
    public async Task AnItemKeptPastAThirdOfItsLeaseIsLeasedAgainBeforeAWorkerGetsIt()
    {
        var (connectionString, clock) = await DatabaseAsync();
        await using var inbox = await OpenAsync(connectionString, clock, ahead: 1);
        await using var other = await OpenAsync(connectionString, clock, ahead: 0);
        await inbox.EnqueueAsync([Item("a"), Item("b")]);
        var leasedAt = clock.Now;
        Assert.Equal("a", Assert.Single(await inbox.ClaimAsync(1, Lease, CancellationToken.None)).Alert.Fingerprint);

        // Every worker busy for longer than a third of the lease: "b" waited, kept, under its first lease.
        clock.Now = leasedAt + Lease / 3 + TimeSpan.FromSeconds(1);
        var b = Assert.Single(await inbox.ClaimAsync(1, Lease, CancellationToken.None));
        Assert.Equal("b", b.Alert.Fingerprint);

        // Past the first lease, another replica finds nothing to take: "b" was handed out under a new one (had it
        // gone out under the old, both replicas would work on it now).
        clock.Now = leasedAt + Lease + TimeSpan.FromSeconds(1);
        Assert.DoesNotContain(await other.ClaimAsync(10, Lease, CancellationToken.None), i => i.Alert.Fingerprint == "b");
        Assert.True(await inbox.CompleteAsync(b, "console", CancellationToken.None));
    }

    [Fact]
    public async Task ItemsKeptAheadGoBackToTheQueueWhenTheStoreStops()
    {
        var (connectionString, clock) = await DatabaseAsync();
        var inbox = await OpenAsync(connectionString, clock, ahead: 3);
        await inbox.EnqueueAsync([Item("a"), Item("b"), Item("c"), Item("d")]);
        Assert.Single(await inbox.ClaimAsync(1, Lease, CancellationToken.None));
        Assert.Equal(4, (await inbox.CountsAsync(CancellationToken.None)).InFlight);

        await inbox.DisposeAsync();

        await using var after = await OpenAsync(connectionString, clock, ahead: 0);
        var counts = await after.CountsAsync(CancellationToken.None);
        // The one handed to a worker stays in flight (its owner is gone: recovered by the next claim); the kept ones are pending.
        (long Pending, long InFlight) expected = (3, 1);
        Assert.Equal(expected, (counts.Pending, counts.InFlight));
    }
}
