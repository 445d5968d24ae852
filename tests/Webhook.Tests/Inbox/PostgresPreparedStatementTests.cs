using Npgsql;
using Webhook.Inbox;
using static Webhook.Tests.Inbox.InboxTestItems;

namespace Webhook.Tests.Inbox;

/// <summary>
/// The shared store's queries are prepared on its pooled connections, so a claim is planned once per connection
/// instead of at every call (its planning cost more server CPU than its execution), the claims on connections of
/// their own (planned once per replica, not once per pooled connection), and a connection string that sets Max Auto
/// Prepare itself keeps its value.
/// </summary>
[Collection(nameof(PostgresCollection))]
public sealed class PostgresPreparedStatementTests(PostgresServer server)
{
    [Fact]
    public async Task RepeatedClaimsArePreparedOnTheRoundsConnection()
    {
        // The default pool: the claims and completions run on the rounds' own connections whatever the rest does.
        await using var inbox = await PostgresServer.OpenInboxAsync(
            await server.ConnectionStringAsync("inbox_prepared", $"t{Guid.NewGuid():n}"), TimeProvider.System);
        await inbox.EnqueueAsync([Item("p1"), Item("p2")]);
        // Enough claims that the claims' connection ran the claim five times (Npgsql prepares at the fifth).
        for (var i = 0; i < 8; i++)
        {
            foreach (var item in await inbox.ClaimAsync(1, TimeSpan.FromMinutes(1), CancellationToken.None))
                Assert.True(await inbox.CompleteAsync(item, "console", CancellationToken.None));
        }
        Assert.Equal(2, (await inbox.CountsAsync(CancellationToken.None)).Delivered);

        // The claims' pool holds one connection: every claim ran on it, so it holds the claim's statements prepared.
        var prepared = new List<string>();
        await using var connection = await inbox.ClaimsDataSource.OpenConnectionAsync();
        await using (var command = new NpgsqlCommand("SELECT statement FROM pg_prepared_statements", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync()) prepared.Add(reader.GetString(0));
        }
        Assert.Contains(prepared, s => s.Contains("pg_try_advisory_xact_lock", StringComparison.Ordinal));
        Assert.Contains(prepared, s => s.Contains("FOR UPDATE OF c SKIP LOCKED", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Host=db;Username=u", 32)]
    [InlineData("Host=db;Username=u;Max Auto Prepare=0", 0)]
    [InlineData("Host=db;Username=u;MaxAutoPrepare=5", 5)]
    [InlineData("Host=db;Username=u;max auto prepare=7", 7)]
    public void AutoPrepareIsOnUnlessTheConnectionStringSetsIt(string configured, int expected) =>
        Assert.Equal(expected, new NpgsqlConnectionStringBuilder(PostgresInbox.PooledConnectionString(configured)).MaxAutoPrepare);

    [Theory]
    [InlineData("Host=db;Username=u", true)]
    [InlineData("Host=db;Username=u;No Reset On Close=false", false)]
    public void PooledConnectionsAreNotResetUnlessTheConnectionStringSaysSo(string configured, bool expected) =>
        Assert.Equal(expected, new NpgsqlConnectionStringBuilder(PostgresInbox.PooledConnectionString(configured)).NoResetOnClose);
}
