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

    static Task<PostgresInbox> OpenAsync(string connectionString, TimeProvider clock, int ahead) =>
        PostgresServer.OpenInboxAsync(connectionString, clock, options => options.ClaimAhead = ahead);

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
