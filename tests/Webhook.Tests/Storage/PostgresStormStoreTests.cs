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
    readonly List<PostgresInbox> _running = [];
    string? _connectionString;

    protected override async Task<IStormStore> OpenAsync()
    {
        // The contract's restart: the process before this one has ended, and its owner lock with it.
        await StopAllAsync();
        return await ReplicaAsync();
    }

    async Task<IStormStore> ReplicaAsync() => new PostgresStormStore(await DatabaseAsync());

    async Task<PostgresInbox> DatabaseAsync()
    {
        var database = new PostgresInbox(Options.Create(new InboxOptions
        {
            Provider = InboxProvider.Postgres,
            ConnectionString = _connectionString ??= await server.ConnectionStringAsync("storm_contract", $"t{Guid.NewGuid():n}"),
        }), TimeProvider.System);
        _running.Add(database);
        await database.InitializeAsync(CancellationToken.None);
        return database;
    }

    [Fact]
    public async Task HeldPodsAreRecoveredOnlyOnceTheirReplicaIsGoneAndThenByOneReplica()
    {
        var holder = await DatabaseAsync();
        var a = new PostgresStormStore(holder);
        var batch = new StormBatchInfo("batch-a", "firing|window", int.MaxValue);
        var entry = StormEntry.From(Samples.For(Causes.ConfigError, pod: "api-1"), NotifyTestKit.Content);
        Assert.True(await a.AddAsync(Slack, batch, entry, DateTimeOffset.UnixEpoch, default));

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
