using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Webhook.Notify.Slack;
using Webhook.Storage;

namespace Webhook.Tests.Storage;

/// <summary>The embedded store passes the contract, in a real SQLite file (the inbox's) in a temporary folder.</summary>
public sealed class SqliteSlackIncidentStoreTests : SlackIncidentStoreContract
{
    readonly TempFolder _folder = TestTemp.NewFolder("slack-store-contract");

    protected override Task<ISlackIncidentStore> OpenAsync(SlackStoreOptions options) =>
        Task.FromResult<ISlackIncidentStore>(new SqliteSlackIncidentStore(
            new SqliteDatabase(_folder.File("inbox.db"), TimeSpan.FromSeconds(5), 64 * 1024 * 1024), Options.Create(options), Clock));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }
}
