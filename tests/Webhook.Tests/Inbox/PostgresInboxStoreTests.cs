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
        // The same schema at every open: a restart finds what the store before it left.
        return await PostgresServer.OpenInboxAsync(
            _connectionString ??= await server.ConnectionStringAsync("inbox_contract", $"t{Guid.NewGuid():n}"), Clock,
            options =>
            {
                (options.Retention, options.FailedRetention) = (retention, failedRetention);
                // The contract is what each claim picks (order, routes' load, leases): every claim here asks the
                // database. Items claimed ahead for the next worker are PostgresClaimAheadTests'.
                options.ClaimAhead = 0;
            });
    }
}
