using Npgsql;
using Webhook.Inbox;
using Webhook.Storage;

namespace Webhook.Tests.Inbox;

/// <summary>
/// The shared store's queries are prepared on its pooled connections, so a claim is planned once per connection
/// instead of at every call (its planning cost more server CPU than its execution), and a connection string that
/// sets Max Auto Prepare itself keeps its value.
/// </summary>
[Collection(nameof(PostgresCollection))]
public sealed class PostgresPreparedStatementTests(PostgresServer server)
{
    [Fact]
    public async Task RepeatedClaimsArePreparedOnThePooledConnection()
    {
        // One pooled connection, so the one the test reads pg_prepared_statements on is the one the claims ran on.
        var connectionString = new NpgsqlConnectionStringBuilder(await server.ConnectionStringAsync("inbox_prepared", $"t{Guid.NewGuid():n}"))
            { MaxPoolSize = 1 }.ConnectionString;
        await using var inbox = await PostgresServer.OpenInboxAsync(connectionString, TimeProvider.System);
        await inbox.EnqueueAsync([NewItem("p1"), NewItem("p2")]);
        for (var i = 0; i < 8; i++)
        {
            foreach (var item in await inbox.ClaimAsync(1, TimeSpan.FromMinutes(1), CancellationToken.None))
                Assert.True(await inbox.CompleteAsync(item, "console", CancellationToken.None));
        }
        Assert.Equal(2, (await inbox.CountsAsync(CancellationToken.None)).Delivered);

        var dataSource = await ((IPostgresDatabase)inbox).ReadyAsync(CancellationToken.None);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT statement FROM pg_prepared_statements", connection);
        var prepared = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) prepared.Add(reader.GetString(0));
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

    static NewInboxItem NewItem(string fingerprint)
    {
        var alert = new Webhook.Alerts.AlertContext
        {
            Route = "default", Status = "firing", Fingerprint = fingerprint, StartsAt = DateTimeOffset.UnixEpoch.AddYears(56),
            Labels = new Dictionary<string, string> { ["alertname"] = "KubePodCrashLooping", ["pod"] = $"pod-{fingerprint}" },
        };
        return new NewInboxItem(InboxKey.For(alert), alert);
    }
}
