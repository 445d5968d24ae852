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

    [Fact]
    public async Task APodsJoinCountsItsBatchOnTheBatchIndexInAFileOfTheEarlierStoreToo()
    {
        // A file from before the index: the table as the earlier store made it.
        await using (var old = new SqliteConnection($"Data Source={_folder.File("inbox.db")};Pooling=False"))
        {
            await old.OpenAsync();
            await using var create = old.CreateCommand();
            create.CommandText = """
                CREATE TABLE storm_entries(destination TEXT NOT NULL, idempotency_key TEXT NOT NULL, batch_id TEXT NOT NULL, batch_key TEXT NOT NULL,
                  expected INTEGER NOT NULL, entry_json TEXT NOT NULL, added_at TEXT NOT NULL, PRIMARY KEY(destination, idempotency_key));
                """;
            await create.ExecuteNonQueryAsync();
        }
        var store = await OpenAsync();
        var entry = StormEntry.From(Webhook.Tests.Notify.Samples.For(Webhook.Diagnosis.Causes.ConfigError, pod: "api-1"), Webhook.Tests.Notify.NotifyTestKit.Content);
        var joined = await store.JoinAsync("default/slack", new StormBatchInfo("b1", "firing|window", int.MaxValue), entry, DateTimeOffset.UnixEpoch, default);
        Assert.Equal(1, joined.Count);

        // Every pod of a storm counts its batch while the digests waiting for the chat hold thousands of other pods:
        // the count reads the batch's index entries, not every row of the destination.
        await using var check = new SqliteConnection($"Data Source={_folder.File("inbox.db")};Mode=ReadOnly;Pooling=False");
        await check.OpenAsync();
        await using var plan = check.CreateCommand();
        plan.CommandText = "EXPLAIN QUERY PLAN SELECT count(*), min(added_at), max(added_at) FROM storm_entries WHERE destination='d' AND batch_id='b'";
        await using var reader = await plan.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Contains("COVERING INDEX storm_entries_batch", reader.GetString(3));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }
}
