using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Webhook.Inbox;

namespace Webhook.Tests.Inbox;

/// <summary>The embedded store passes the contract, on a real SQLite file in a temporary folder.</summary>
public sealed class SqliteInboxStoreTests : InboxStoreContract
{
    readonly TempFolder _folder = TestTemp.NewFolder("inbox-contract");

    protected override async Task<IInboxStore> OpenAsync(TimeSpan retention, TimeSpan failedRetention)
    {
        var store = new SqliteInbox(Options.Create(new InboxOptions
        {
            Path = _folder.File("inbox.db"), Retention = retention, FailedRetention = failedRetention,
        }), Clock);
        await store.InitializeAsync(CancellationToken.None);
        return store;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }
}
