using Microsoft.Extensions.Options;
using Webhook.Alerts;
using Webhook.Inbox;
using Webhook.Storage;

namespace Webhook.Tests.Backbone;

public sealed class InboxBoundsTests
{
    static NewInboxItem Item(string key) => new(key, new AlertContext
    {
        Route = "default", Status = "firing", Fingerprint = key, StartsAt = DateTimeOffset.Parse("2026-11-24T09:00:00Z"),
        Labels = new Dictionary<string, string> { ["alertname"] = "KubePodCrashLooping" },
    });

    [Fact]
    public async Task PastInboxMaxQueuedRequestsTheIntakeIsToldTheInboxIsUnavailableAndWhatWasQueuedIsStillStored()
    {
        using var temp = TestTemp.NewFolder();
        await using var inbox = new SqliteInbox(Options.Create(new InboxOptions
        {
            Path = temp.File("inbox.db"), MaxQueuedRequests = 2, MaxBatch = 1,
        }), TimeProvider.System);
        await inbox.InitializeAsync(CancellationToken.None);
        var accepted = new List<Task<EnqueueResult>>();
        var refused = new List<InboxUnavailableException>();

        // A stalled disk, as the writer sees it: the file's write gate is held, so it can take at most one batch
        // (one request) and then waits; two more fit in the queue; the fourth is refused at once.
        using (await ((SqliteDatabase)inbox.Database).EnterWriteGateAsync(CancellationToken.None))
        {
            for (var i = 0; i < 4; i++)
            {
                var task = inbox.EnqueueAsync([Item($"k{i}")]);
                if (task.IsFaulted) refused.Add(Assert.IsType<InboxUnavailableException>(task.Exception!.InnerException));
                else accepted.Add(task);
            }
            Assert.NotEmpty(refused);
            Assert.Contains("write queue is full", refused[0].Message);
        }

        await Task.WhenAll(accepted);
        Assert.Equal(accepted.Count, (await inbox.CountsAsync(CancellationToken.None)).Pending);
    }
}
