using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Webhook.Alerts;
using Webhook.Inbox;

namespace Webhook.Tests.Backbone;

/// <summary>Duplicates are recognised in memory (KnownKeys), so the set must match the file and one process must own it.</summary>
public sealed class InboxKeysAndOwnershipTests : IDisposable
{
    readonly string _path = Path.Combine(Path.GetTempPath(), "webhook-tests", Guid.NewGuid().ToString("n"), "inbox.db");
    readonly ManualClock _clock = new();

    sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.Parse("2026-11-24T10:00:00Z");
        public override DateTimeOffset GetUtcNow() => Now;
    }

    async Task<SqliteInbox> OpenAsync()
    {
        var inbox = new SqliteInbox(Options.Create(new InboxOptions { Path = _path, Retention = TimeSpan.FromHours(1) }), _clock);
        await inbox.InitializeAsync(CancellationToken.None);
        return inbox;
    }

    static NewInboxItem Item(string key) => new(key, new AlertContext
    {
        Route = "default", Status = "firing", Fingerprint = key, StartsAt = DateTimeOffset.Parse("2026-11-24T09:00:00Z"),
        Labels = new Dictionary<string, string> { ["alertname"] = "KubePodCrashLooping" },
    });

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(Path.GetDirectoryName(_path)!, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void KnownKeysTellARepeatFromANewKey()
    {
        var keys = new KnownKeys();
        var inboxKey = new string('a', 31) + "b";

        Assert.True(keys.Add(inboxKey));
        Assert.False(keys.Add(inboxKey));
        Assert.True(keys.Add("not-hex-" + inboxKey[8..]));
        Assert.True(keys.Add("worker-1"));
        Assert.False(keys.Add("worker-1"));
        keys.Remove(inboxKey);
        Assert.True(keys.Add(inboxKey));
        Assert.Equal(3, keys.Count);
    }

    [Fact]
    public async Task ARepeatIsRecognisedInsideOneGroupAndAfterARestart()
    {
        await using (var inbox = await OpenAsync())
        {
            Assert.Equal(new EnqueueResult(1, 1), await inbox.EnqueueAsync([Item("k1"), Item("k1")]));
        }

        await using var reopened = await OpenAsync();
        Assert.Equal(new EnqueueResult(1, 1), await reopened.EnqueueAsync([Item("k1"), Item("k2")]));
        Assert.Equal(2, (await reopened.CountsAsync(CancellationToken.None)).Pending);
    }

    [Fact]
    public async Task AKeyPurgedAfterTheRetentionIsNewAgain()
    {
        await using var inbox = await OpenAsync();
        await inbox.EnqueueAsync([Item("old")]);
        var claimed = Assert.Single(await inbox.ClaimAsync(10, TimeSpan.FromMinutes(5), CancellationToken.None));
        await inbox.CompleteAsync(claimed, null, CancellationToken.None);

        Assert.Equal(0, await inbox.PurgeAsync(CancellationToken.None));
        Assert.Equal(new EnqueueResult(0, 1), await inbox.EnqueueAsync([Item("old")]));

        _clock.Now += TimeSpan.FromHours(2);
        Assert.Equal(1, await inbox.PurgeAsync(CancellationToken.None));
        Assert.Equal(new EnqueueResult(1, 0), await inbox.EnqueueAsync([Item("old")]));
    }

    [Fact]
    public async Task AnInboxMadeWithTheUniqueKeyIndexOfEarlierVersionsStillWorks()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        await using (var connection = new SqliteConnection($"Data Source={_path};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = """
                PRAGMA journal_mode=WAL;
                CREATE TABLE items(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, route TEXT NOT NULL, alert TEXT NOT NULL,
                    state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL,
                    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, last_error TEXT, trace_parent TEXT);
                INSERT INTO items(key, route, alert, state, next_attempt_at, created_at, updated_at)
                    VALUES ('stored', 'default', '{}', 'delivered', 0, 0, 0);
                """;
            await command.ExecuteNonQueryAsync();
        }

        await using var inbox = await OpenAsync();

        Assert.Equal(new EnqueueResult(1, 1), await inbox.EnqueueAsync([Item("stored"), Item("new")]));
    }

    [Fact]
    public async Task ASecondInboxOnTheSameFileIsRefusedWithAClearMessage()
    {
        await using var first = await OpenAsync();

        var second = new SqliteInbox(Options.Create(new InboxOptions { Path = _path }), _clock);
        var error = await Assert.ThrowsAsync<IOException>(() => second.InitializeAsync(CancellationToken.None));

        Assert.Contains("another process is using this inbox", error.Message);
        Assert.Equal(new EnqueueResult(1, 0), await first.EnqueueAsync([Item("still-works")]));
    }

    [Fact]
    public async Task ASecondServiceOnTheSameInboxStopsAtStartWithOneLine()
    {
        var settings = new Dictionary<string, string> { ["Inbox:Path"] = _path };
        await using var first = ServiceProcess.Start(settings);
        await first.WaitUntilReadyAsync(TimeSpan.FromSeconds(30));

        await using var second = ServiceProcess.Start(settings);

        Assert.Equal(2, await second.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var line = Assert.Single(second.Output.Split('\n'), l => l.StartsWith("Configuration error:"));
        Assert.Contains("Inbox:Path", line);
        Assert.Contains("another process is using this inbox", line);
    }

    [Fact]
    public async Task ADeadServiceLeavesNoLockBehind()
    {
        var settings = new Dictionary<string, string> { ["Inbox:Path"] = _path };
        await using (var killed = ServiceProcess.Start(settings))
        {
            await killed.WaitUntilReadyAsync(TimeSpan.FromSeconds(30));
            killed.KillHard();
            await killed.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        await using var next = ServiceProcess.Start(settings);
        await next.WaitUntilReadyAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task WhenTheLogCannotBeSyncedNothingMoreIsAcknowledgedAndTheInboxIsNotReady()
    {
        await using var inbox = await OpenAsync();
        await inbox.EnqueueAsync([Item("before")]);

        // The flusher opens the WAL by name for each fsync; without the file it cannot sync (SQLite's own handle
        // still writes into the unlinked file, so the commit itself succeeds).
        File.Delete(_path + "-wal");

        await Assert.ThrowsAsync<InboxUnavailableException>(() => inbox.EnqueueAsync([Item("lost")]));
        await Assert.ThrowsAsync<InboxUnavailableException>(() => inbox.EnqueueAsync([Item("after")]));
        Assert.False(await inbox.IsWritableAsync(CancellationToken.None));
    }
}
