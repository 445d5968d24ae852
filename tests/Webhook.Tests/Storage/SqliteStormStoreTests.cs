using Microsoft.Data.Sqlite;
using Webhook.Notify.Storm;
using Webhook.Storage;

namespace Webhook.Tests.Storage;

/// <summary>The embedded store passes the contract, in a real SQLite file (the inbox's) in a temporary folder.</summary>
public sealed class SqliteStormStoreTests : StormStoreContract
{
    readonly TempFolder _folder = TestTemp.NewFolder("storm-store-contract");

    protected override bool Shared => false;

    protected override Task<IStormStore> OpenAsync() =>
        Task.FromResult<IStormStore>(new SqliteStormStore(new SqliteDatabase(_folder.File("inbox.db"), TimeSpan.FromSeconds(5), 64 * 1024 * 1024)));

    [Fact]
    public async Task AFileWrittenByTheEarlierSynchronousStoreIsReadAsItWas()
    {
        // The table and a row as the earlier store (its own connection, SqliteFile) made them.
        var entry = StormEntry.From(Webhook.Tests.Notify.Samples.For(Webhook.Diagnosis.Causes.ConfigError, pod: "api-1"), Webhook.Tests.Notify.NotifyTestKit.Content);
        await using (var old = new SqliteConnection($"Data Source={_folder.File("inbox.db")};Pooling=False"))
        {
            await old.OpenAsync();
            await using var command = old.CreateCommand();
            command.CommandText = """
                PRAGMA journal_mode=WAL;
                CREATE TABLE storm_entries(destination TEXT NOT NULL, idempotency_key TEXT NOT NULL, batch_id TEXT NOT NULL, batch_key TEXT NOT NULL,
                  expected INTEGER NOT NULL, entry_json TEXT NOT NULL, added_at TEXT NOT NULL, PRIMARY KEY(destination, idempotency_key));
                INSERT INTO storm_entries VALUES('default/slack', $key, 'b1', 'firing|window', 2147483647, $json, '2026-11-24T10:00:00.0000000+00:00');
                """;
            command.Parameters.AddWithValue("$key", entry.IdempotencyKey);
            command.Parameters.AddWithValue("$json", System.Text.Json.JsonSerializer.Serialize(entry, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web)));
            await command.ExecuteNonQueryAsync();
        }

        var held = Assert.Single(await (await OpenAsync()).PendingAsync("default/slack", default));
        Assert.Equal(new StormBatchInfo("b1", "firing|window", int.MaxValue), held.Batch);
        Assert.Equal(DateTimeOffset.Parse("2026-11-24T10:00:00Z"), held.FirstAdded);
        Assert.Equal(entry.IdempotencyKey, Assert.Single(held.Entries).IdempotencyKey);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }
}
