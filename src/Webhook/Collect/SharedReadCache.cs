using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Internal;

namespace Webhook.Collect;

/// <summary>
/// Reads that many alerts of a storm share (a ReplicaSet, its Deployment and siblings, the node, a dependency's
/// Service...), kept for a short window: concurrent readers of one key share the one request in flight, and readers
/// within <see cref="DefaultWindow"/> of its answer get that answer. A failed read is dropped the moment it fails, so
/// the next reader asks again; when the request ends because the alert that made it ran out of time, a reader that
/// still has time asks itself. Bounded by <see cref="MaxObjects"/> objects (a list weighs its items): past that,
/// answers are not kept, reads still work. What it returns is shared between alerts: callers must not change it.
/// </summary>
public sealed class SharedReadCache : IDisposable
{
    /// <summary>
    /// Short against how often a workload or node changes, long against a storm's burst: the alerts of one Alertmanager
    /// group arrive within a second or two and a storm of thousands spends a few seconds per window per shared object.
    /// </summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromSeconds(5);

    /// <summary>Objects kept at most: owners and nodes are a few KB to a few tens of KB each, so a few MB typically, some tens at worst.</summary>
    public const int MaxObjects = 1024;

    readonly MemoryCache cache;
    readonly TimeProvider clock;
    readonly TimeSpan window;
    // Joining and replacing entries happen under one lock, so one key never has two requests in flight.
    readonly Lock gate = new();

    public SharedReadCache(TimeProvider clock, TimeSpan window)
    {
        this.clock = clock;
        this.window = window;
        cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = MaxObjects, Clock = new SystemClockOf(clock), ExpirationScanFrequency = window });
    }

    /// <summary>The kept or in-flight answer for <paramref name="key"/>, else the one <paramref name="read"/> returns (under this caller's token).</summary>
    public async Task<T> GetAsync<T>(string key, Func<CancellationToken, Task<T>> read, Func<T, int> weight, CancellationToken ct) where T : class
    {
        while (true)
        {
            var (flight, mine) = Join(key, ct);
            if (mine)
                _ = RunAsync(key, flight, read, weight, ct);
            KubernetesMetrics.RecordSharedRead(hit: !mine);
            try
            {
                return (T)await flight.Answer.Task.WaitAsync(ct);
            }
            catch (Exception) when (!mine && flight.OwnerGaveUp && !ct.IsCancellationRequested)
            {
                // The request ended with the deadline of the alert that made it (however the client reported it), not this one's: ask again.
            }
        }
    }

    (Flight Flight, bool Mine) Join(string key, CancellationToken ct)
    {
        lock (gate)
        {
            if (cache.TryGetValue(key, out Flight? current) && current is not null)
                return (current, false);
            var flight = new Flight(ct);
            // In flight: no expiry, it ends with its request (bounded by the caller's deadline).
            cache.Set(key, flight, new MemoryCacheEntryOptions { Size = 1 });
            return (flight, true);
        }
    }

    async Task RunAsync<T>(string key, Flight flight, Func<CancellationToken, Task<T>> read, Func<T, int> weight, CancellationToken ct) where T : class
    {
        try
        {
            var answer = await read(ct);
            lock (gate)
                if (cache.TryGetValue(key, out Flight? current) && current == flight)
                    cache.Set(key, flight, new MemoryCacheEntryOptions { Size = Math.Max(1, weight(answer)), AbsoluteExpiration = clock.GetUtcNow() + window });
            flight.Answer.SetResult(answer);
        }
        catch (Exception e)
        {
            lock (gate)
                if (cache.TryGetValue(key, out Flight? current) && current == flight)
                    cache.Remove(key);
            flight.Answer.SetException(e);
        }
    }

    public void Dispose() => cache.Dispose();

    sealed class Flight(CancellationToken owner)
    {
        public TaskCompletionSource<object> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public bool OwnerGaveUp => owner.IsCancellationRequested;
    }

    sealed class SystemClockOf(TimeProvider clock) : ISystemClock
    {
        public DateTimeOffset UtcNow => clock.GetUtcNow();
    }
}
