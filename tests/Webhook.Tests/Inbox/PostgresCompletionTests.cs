using Webhook.Inbox;
using Webhook.Tests.Storage;
using static Webhook.Tests.Inbox.InboxTestItems;

namespace Webhook.Tests.Inbox;

/// <summary>
/// The PostgreSQL store commits the completions of a replica's workers together (one statement, one commit):
/// each still answers for its own item and lease, and a delivery whose claim was lost is still recorded.
/// </summary>
[Collection(nameof(PostgresCollection))]
public sealed class PostgresCompletionTests(PostgresServer server)
{
    static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task ConcurrentCompletionsEachAnswerForTheirOwnLease()
    {
        var clock = new ManualClock();
        await using var inbox = await PostgresServer.OpenInboxAsync(
            await server.ConnectionStringAsync("inbox_completion", $"t{Guid.NewGuid():n}"), clock, options => options.ClaimAhead = 0);
        await inbox.EnqueueAsync([.. Enumerable.Range(0, 24).Select(i => Item($"c{i}"))]);
        var claimed = await inbox.ClaimAsync(24, Lease, CancellationToken.None);
        Assert.Equal(24, claimed.Count);
        // Every fourth with a token that is not its lease (a holder whose lease ran out): only those answer false.
        var stale = claimed.Where((_, i) => i % 4 == 0).Select(i => i.Id).ToHashSet();
        var results = await Task.WhenAll(claimed.Select(item => Task.Run(() => inbox.CompleteAsync(
            stale.Contains(item.Id) ? new InboxItem(item.Id, item.Key, item.Alert, item.Attempts, null) { LeaseToken = item.LeaseToken + 1 } : item,
            "default/chat", CancellationToken.None))));

        Assert.Equal(claimed.Select(i => !stale.Contains(i.Id)), results);
        var counts = await inbox.CountsAsync(CancellationToken.None);
        Assert.Equal((18L, 6L), (counts.Delivered, counts.InFlight));
    }

    [Fact]
    public async Task ACompletionWhoseLeaseRanOutStillRecordsItsDeliveryForTheNewHolder()
    {
        var clock = new ManualClock();
        await using var inbox = await PostgresServer.OpenInboxAsync(
            await server.ConnectionStringAsync("inbox_completion", $"t{Guid.NewGuid():n}"), clock, options => options.ClaimAhead = 0);
        await inbox.EnqueueAsync([Item("a")]);
        var first = Assert.Single(await inbox.ClaimAsync(1, Lease, CancellationToken.None));
        clock.Now += Lease + TimeSpan.FromSeconds(1);
        var second = Assert.Single(await inbox.ClaimAsync(1, Lease, CancellationToken.None));

        Assert.False(await inbox.CompleteAsync(first, "default/chat", CancellationToken.None));

        Assert.Contains("default/chat", await inbox.DeliveredDestinationsAsync(second.Id, CancellationToken.None));
        Assert.True(await inbox.CompleteAsync(second, null, CancellationToken.None));
    }
}
