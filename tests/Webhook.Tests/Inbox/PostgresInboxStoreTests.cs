using Microsoft.Extensions.Options;
using Webhook.Inbox;

namespace Webhook.Tests.Inbox;

/// <summary>
/// The shared store passes the same contract, on a real PostgreSQL server started for the run
/// (<see cref="PostgresServer"/>), in a schema of its own per test.
/// </summary>
[Collection(nameof(PostgresCollection))]
public sealed class PostgresInboxStoreTests(PostgresServer server) : InboxStoreContract
{
    string? _connectionString;

    protected override async Task<IInboxStore> OpenAsync(TimeSpan retention, TimeSpan failedRetention)
    {
        var store = new PostgresInbox(Options.Create(new InboxOptions
        {
            Provider = InboxProvider.Postgres,
            // The same schema at every open: a restart finds what the store before it left.
            ConnectionString = _connectionString ??= await server.ConnectionStringAsync("inbox_contract", $"t{Guid.NewGuid():n}"),
            Retention = retention, FailedRetention = failedRetention,
        }), Clock);
        await store.InitializeAsync(CancellationToken.None);
        return store;
    }
}
