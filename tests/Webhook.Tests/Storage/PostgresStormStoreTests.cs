using Microsoft.Extensions.Options;
using Webhook.Inbox;
using Webhook.Notify.Storm;

namespace Webhook.Tests.Storage;

/// <summary>
/// The shared store passes the contract on a real PostgreSQL server started for the run (<see cref="PostgresServer"/>),
/// in a schema of its own per test; each open is a new <see cref="PostgresInbox"/> (a restart, or another replica).
/// </summary>
[Collection(nameof(PostgresCollection))]
public sealed class PostgresStormStoreTests(PostgresServer server) : StormStoreContract
{
    readonly List<PostgresInbox> _databases = [];
    string? _connectionString;

    protected override async Task<IStormStore> OpenAsync()
    {
        var database = new PostgresInbox(Options.Create(new InboxOptions
        {
            Provider = InboxProvider.Postgres,
            ConnectionString = _connectionString ??= await server.ConnectionStringAsync("storm_contract", $"t{Guid.NewGuid():n}"),
        }), TimeProvider.System);
        _databases.Add(database);
        await database.InitializeAsync(CancellationToken.None);
        return new PostgresStormStore(database);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var database in _databases) await database.DisposeAsync();
    }
}
