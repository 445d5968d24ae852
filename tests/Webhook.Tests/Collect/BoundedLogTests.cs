using System.Text;
using Webhook.Collect;
using static Webhook.Tests.Collect.TestPods;

namespace Webhook.Tests.Collect;

/// <summary>Runs alone: it measures allocations of the whole process, which other tests would disturb.</summary>
[CollectionDefinition(nameof(AllocationMeasuring), DisableParallelization = true)]
public sealed class AllocationMeasuring;

[Collection(nameof(AllocationMeasuring))]
public sealed class BoundedLogTests : IAsyncLifetime
{
    const int TenMegabytes = 10 * 1024 * 1024;
    readonly ReplayHarness replay = new();
    string lastLine = "";

    public async Task InitializeAsync()
    {
        var bundle = replay.Bundle(Pod("big-1", Container("api"))).Log("api", "");
        lastLine = WriteLog(bundle.LogPath("api"), TenMegabytes);
        await replay.StartAsync();
    }

    public async Task DisposeAsync() => await replay.DisposeAsync();

    [Fact]
    public async Task ATenMegabytePreviousLogIsReadOnlyAsFarAsTheLimitsAndKeepsItsLastLine()
    {
        var snapshot = await replay.CollectAsync("big-1", "api");

        var tail = snapshot.PreviousLog!;
        Assert.True(tail.Truncated);
        Assert.Equal(300, tail.Text.Count(c => c == '\n'));
        Assert.EndsWith(lastLine + "\n", tail.Text);
        Assert.True(replay.Server!.Stats.LogBytesSent <= 2 * new KubernetesOptions().Logs.ReadLimitBytes);
    }

    [Fact]
    public async Task AServerThatIgnoresTheLimitsCannotMakeTheCollectorBufferTheWholeLog()
    {
        replay.Server!.Faults.IgnoreLogLimits();
        var collector = replay.Collector();
        await collector.CollectAsync(ReplayHarness.Alert("big-1", "api"), CancellationToken.None); // warm up JIT and connections

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var snapshot = await collector.CollectAsync(ReplayHarness.Alert("big-1", "api"), CancellationToken.None);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        var options = new KubernetesOptions().Logs;
        Assert.True(Encoding.UTF8.GetByteCount(snapshot.PreviousLog!.Text) <= options.MaxBytes);
        Assert.EndsWith("\n", snapshot.PreviousLog.Text);
        // Reading the log whole would allocate at least 10 MB of bytes plus 20 MB of string.
        Assert.True(allocated < 8 * 1024 * 1024, $"allocated {allocated:N0} bytes");
    }

    /// <summary>Writes numbered ~100-byte lines up to the size; returns the last line.</summary>
    static string WriteLog(string path, int size)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16);
        var line = "";
        for (var (i, written) = (0, 0); written < size; i++)
        {
            line = $"2026-11-24T20:{i / 60000 % 60:00}:{i / 1000 % 60:00}.{i % 1000:000}Z INFO request {i} handled in 12ms path=/api/orders status=200";
            writer.Write(line);
            writer.Write('\n');
            written += line.Length + 1;
        }
        return line;
    }
}
