using Microsoft.Extensions.Options;
using Webhook.Alerts;
using Webhook.Inbox;

namespace Webhook.Tests.Backbone;

public sealed class InboxWalTests
{
    const long MaxWalBytes = 256 * 1024;

    /// <summary>
    /// The claim: with SQLite's automatic checkpoint off and writers that never pause, the log only grows, and one
    /// checkpoint past Inbox:MaxWalBytes restarts it between two commits, so it stays small while writes go on.
    /// The background checkpointer is off here and the test checkpoints itself, so how fast the disk and the
    /// checkpointer are decides nothing: the log grows past the limit whatever the speed, because nobody else
    /// checkpoints it.
    /// </summary>
    [Fact]
    public async Task ACheckpointPastTheLimitRestartsTheWriteAheadLogWhileWritesGoOn()
    {
        using var temp = TestTemp.NewFolder();
        var path = temp.File("inbox.db");
        await using var inbox = new SqliteInbox(Options.Create(new InboxOptions
        {
            Path = path, MaxWalBytes = MaxWalBytes, BackgroundCheckpoints = false,
        }), TimeProvider.System);
        await inbox.InitializeAsync(CancellationToken.None);
        var alert = new AlertContext
        {
            Route = "default", Status = "firing", Fingerprint = "f", StartsAt = DateTimeOffset.UtcNow,
            Labels = new Dictionary<string, string> { ["alertname"] = "KubePodCrashLooping", ["pod"] = new string('p', 1800) },
        };
        long written = 0;
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                await inbox.EnqueueAsync([new NewInboxItem($"{worker}-{i}", alert)]);
                Interlocked.Increment(ref written);
            }
        })).ToList();
        long Wal() => new FileInfo(path + "-wal") is { Exists: true } wal ? wal.Length : 0;

        long before;
        try
        {
            // Nothing checkpoints, so the log passes many times the limit however slow or fast the disk is.
            await Eventually.TrueAsync(() => Wal() > 16 * MaxWalBytes, TimeSpan.FromSeconds(120), "the WAL to grow past 16 × Inbox:MaxWalBytes");
            before = Wal();
            // While the writers go on: the restart has to find its moment between two of their commits.
            await inbox.CheckpointAsync(CancellationToken.None);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(writers);
        }
        // Writes after the restart go to the start of the log again instead of its end.
        for (var i = 0; i < 10; i++)
            await inbox.EnqueueAsync([new NewInboxItem($"after-{i}", alert)]);
        written += 10;

        // Cut back to journal_size_limit (= Inbox:MaxWalBytes) at the restart; the margin covers the commits that
        // were on their way while the writers stopped and the ten above (a few KB each), not the megabytes before.
        Assert.True(Wal() <= 2 * MaxWalBytes, $"the WAL is {Wal() / 1024} KB after the checkpoint, {before / 1024} KB before (limit {MaxWalBytes / 1024} KB)");
        Assert.Equal(Interlocked.Read(ref written), (await inbox.CountsAsync(CancellationToken.None)).Pending);
    }
}
