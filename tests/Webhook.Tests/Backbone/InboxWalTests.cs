using Microsoft.Extensions.Options;
using Webhook.Alerts;
using Webhook.Inbox;

namespace Webhook.Tests.Backbone;

public sealed class InboxWalTests
{
    [Fact]
    public async Task CheckpointingKeepsTheWriteAheadLogSmallWhileWritesGoOn()
    {
        var path = Path.Combine(Path.GetTempPath(), "webhook-tests", Guid.NewGuid().ToString("n"), "inbox.db");
        await using var inbox = new SqliteInbox(Options.Create(new InboxOptions { Path = path, MaxWalBytes = 1024 * 1024 }), TimeProvider.System);
        await inbox.InitializeAsync(CancellationToken.None);
        var alert = new AlertContext
        {
            Route = "default", Status = "firing", Fingerprint = "f", StartsAt = DateTimeOffset.UtcNow,
            // Large items, so the log grows past 8 MB between two passes of the background checkpointer (every 100 ms).
            Labels = new Dictionary<string, string> { ["alertname"] = "KubePodCrashLooping", ["pod"] = new string('p', 1800) },
        };
        long written = 0;
        using var stop = new CancellationTokenSource();
        // Steady writes; with SQLite's automatic checkpoint off, only our checkpoints keep the log from growing.
        var writers = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                await inbox.EnqueueAsync([new NewInboxItem($"{worker}-{i}", alert)]);
                Interlocked.Increment(ref written);
            }
        })).ToList();
        long Wal() => new FileInfo(path + "-wal").Length;

        try
        {
            await Eventually.TrueAsync(() => Wal() > 8 * 1024 * 1024, TimeSpan.FromSeconds(60), "the WAL to pass 8 MB");
            await inbox.CheckpointAsync(CancellationToken.None);
            var after = Interlocked.Read(ref written);
            await Eventually.TrueAsync(() => Interlocked.Read(ref written) > after + 20, TimeSpan.FromSeconds(30), "more commits after the checkpoint");

            Assert.True(Wal() < 4 * 1024 * 1024, $"the WAL is {Wal() / 1024} KB after the checkpoint");
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(writers);
        }
        Assert.Equal(Interlocked.Read(ref written), (await inbox.CountsAsync(CancellationToken.None)).Pending);
    }
}
