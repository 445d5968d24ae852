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

    [Fact]
    public async Task AFileWrittenByTheEarlierSynchronousStoreIsReadAsItWas()
    {
        // The tables and the rows as the earlier store (its own connection, SqliteFile) made them.
        await using (var old = new SqliteConnection($"Data Source={_folder.File("inbox.db")};Pooling=False"))
        {
            await old.OpenAsync();
            await using var command = old.CreateCommand();
            command.CommandText = """
                PRAGMA journal_mode=WAL;
                CREATE TABLE slack_incidents(destination TEXT NOT NULL, incident_key TEXT NOT NULL, channel TEXT NOT NULL, ts TEXT NOT NULL,
                  opened_at TEXT NOT NULL, resolved_at TEXT, message_json TEXT NOT NULL, PRIMARY KEY(destination, channel, ts));
                CREATE TABLE slack_incident_pods(destination TEXT NOT NULL, ts TEXT NOT NULL, fingerprint TEXT NOT NULL, firing INTEGER NOT NULL,
                  PRIMARY KEY(destination, ts, fingerprint));
                CREATE TABLE slack_steps(destination TEXT NOT NULL, idempotency_key TEXT NOT NULL, step TEXT NOT NULL, ts TEXT,
                  done_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), PRIMARY KEY(destination, idempotency_key, step));
                CREATE TABLE slack_attempts(destination TEXT NOT NULL, idempotency_key TEXT NOT NULL, step TEXT NOT NULL, attempted_at TEXT NOT NULL,
                  PRIMARY KEY(destination, idempotency_key, step));
                INSERT INTO slack_incidents VALUES('default/slack', 'shop/api|api|config-error', 'C1', '1.5', '2026-11-24T09:30:00.000Z', NULL, '{}');
                INSERT INTO slack_incident_pods VALUES('default/slack', '1.5', 'fp-a', 1);
                INSERT INTO slack_steps(destination, idempotency_key, step, ts, done_at) VALUES('default/slack', 'item-1', 'post', '1.5', '2026-11-24T09:30:00.000Z');
                INSERT INTO slack_attempts VALUES('default/slack', 'item-2', 'post', '2026-11-24T09:59:00.000Z');
                """;
            await command.ExecuteNonQueryAsync();
        }

        var store = await OpenAsync(new SlackStoreOptions());
        Assert.Equal(new SlackIncident("C1", "1.5", "{}", DateTimeOffset.Parse("2026-11-24T09:30:00Z")),
            await store.FindOpenByPodAsync("default/slack", "fp-a", default));
        Assert.Equal(new SlackStep("1.5"), await store.FindStepAsync("default/slack", "item-1", "post", default));
        Assert.Equal(DateTimeOffset.Parse("2026-11-24T09:59:00Z"), await store.AttemptedAtAsync("default/slack", "item-2", "post", default));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }
}
