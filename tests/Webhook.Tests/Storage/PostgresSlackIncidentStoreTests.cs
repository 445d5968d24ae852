using Microsoft.Extensions.Options;
using Webhook.Inbox;
using Webhook.Notify.Slack;

namespace Webhook.Tests.Storage;

/// <summary>
/// The shared store passes the contract on a real PostgreSQL server started for the run (<see cref="PostgresServer"/>),
/// in a schema of its own per test; each open is a new <see cref="PostgresInbox"/> (a restart, or another replica).
/// Beyond the contract: what holds across two replicas on one database.
/// </summary>
[Collection(nameof(PostgresCollection))]
public sealed class PostgresSlackIncidentStoreTests(PostgresServer server) : SlackIncidentStoreContract
{
    const string Slack = "default/slack";
    readonly List<PostgresInbox> _databases = [];
    string? _connectionString;

    protected override async Task<ISlackIncidentStore> OpenAsync(SlackStoreOptions options) =>
        new PostgresSlackIncidentStore(await OpenDatabaseAsync(), Options.Create(options), Clock);

    async Task<PostgresInbox> OpenDatabaseAsync()
    {
        // The same schema at every open: a restart finds what the store before it left.
        var database = await PostgresServer.OpenInboxAsync(
            _connectionString ??= await server.ConnectionStringAsync("slack_contract", $"t{Guid.NewGuid():n}"), Clock);
        _databases.Add(database);
        return database;
    }

    [Fact]
    public async Task TwoReplicasRecordOneAttemptAndHoldTheConversationInTurn()
    {
        var replicas = new[] { await OpenAsync(new SlackStoreOptions()), await OpenAsync(new SlackStoreOptions()) };

        var won = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => replicas[i % 2].MarkAttemptAsync(Slack, "item-1", "post", default)));
        Assert.Single(won, w => w);

        // Held by one replica, the other's wait ends only when it is released; what the first recorded meanwhile
        // is what the second finds (an incident opened, not opened twice).
        var first = await replicas[0].LockConversationAsync(Slack, default);
        var second = replicas[1].LockConversationAsync(Slack, default);
        await replicas[0].OpenAsync(Slack, "shop/api|api|config-error", "C1", "1.1", "{}", "fp-a", "item-1", default);
        Assert.False(second.IsCompleted);
        await first.DisposeAsync();
        await using (await second)
            Assert.Equal("1.1", (await replicas[1].FindOpenAsync(Slack, "shop/api|api|config-error", default))?.Ts);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var database in _databases) await database.DisposeAsync();
    }
}
