using System.Diagnostics;

namespace Webhook.CollectBenchmark;

/// <summary>Samples managed heap and working set on a timer and keeps the peaks above the starting values.</summary>
sealed class MemorySampler : IDisposable
{
    readonly long heapAtStart = GC.GetTotalMemory(false);
    readonly long workingSetAtStart = Environment.WorkingSet;
    readonly Timer timer;
    long heapPeak, workingSetPeak;

    public MemorySampler()
    {
        heapPeak = heapAtStart;
        workingSetPeak = workingSetAtStart;
        timer = new Timer(_ => Sample(), null, 0, 2);
    }

    public (long HeapGrowth, long WorkingSetGrowth) Stop()
    {
        timer.Dispose();
        Sample();
        return (heapPeak - heapAtStart, workingSetPeak - workingSetAtStart);
    }

    void Sample()
    {
        InterlockedMax(ref heapPeak, GC.GetTotalMemory(false));
        InterlockedMax(ref workingSetPeak, Process.GetCurrentProcess().WorkingSet64);
    }

    static void InterlockedMax(ref long target, long value)
    {
        long seen;
        while (value > (seen = Interlocked.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }

    public void Dispose() => timer.Dispose();
}
