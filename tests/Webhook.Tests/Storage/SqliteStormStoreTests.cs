using Microsoft.Data.Sqlite;
using Webhook.Notify.Storm;
using Webhook.Storage;

namespace Webhook.Tests.Storage;

/// <summary>The embedded store passes the contract, in a real SQLite file (the inbox's) in a temporary folder.</summary>
public sealed class SqliteStormStoreTests : StormStoreContract
{
    readonly TempFolder _folder = TestTemp.NewFolder("storm-store-contract");

    protected override Task<IStormStore> OpenAsync() =>
        Task.FromResult<IStormStore>(new SqliteStormStore(new SqliteDatabase(_folder.File("inbox.db"), TimeSpan.FromSeconds(5), 64 * 1024 * 1024)));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }
}
