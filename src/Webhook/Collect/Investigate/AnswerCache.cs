using System.Collections.Concurrent;

namespace Webhook.Collect;

/// <summary>
/// Answers shared by many alerts (a Service, a ConfigMap, a workload, a node) kept for a short window, so a storm
/// of alerts about one workload reads each object once. Concurrent askers of the same key share one call; a
/// failed call is not kept, so the next alert asks again.
/// </summary>
public sealed class AnswerCache(TimeProvider clock, TimeSpan window)
{
    /// <summary>Past this many entries, expired ones are swept on the next insert.</summary>
    const int SweepAbove = 2048;

    readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);
    DateTimeOffset nextSweep;

    public static readonly TimeSpan DefaultWindow = TimeSpan.FromSeconds(30);

    public AnswerCache() : this(TimeProvider.System, DefaultWindow) { }

    public bool Has(string key) => entries.TryGetValue(key, out var e) && Fresh(e);

    /// <summary>The cached or in-flight answer, else the one <paramref name="fetch"/> starts; <c>Fetched</c> when this caller made the call.</summary>
    public (Task<Answer> Answer, bool Fetched) GetOrFetch(string key, Func<Task<Answer>> fetch)
    {
        while (true)
        {
            entries.TryGetValue(key, out var existing);
            if (existing is not null && Fresh(existing))
                return (existing.Answer.Task, false);
            var entry = new Entry(clock.GetUtcNow() + window);
            if (existing is null ? !entries.TryAdd(key, entry) : !entries.TryUpdate(key, entry, existing))
                continue; // another alert got there first: use its call
            if (entries.Count > SweepAbove && clock.GetUtcNow() >= nextSweep) Sweep();
            _ = RunAsync(key, entry, fetch);
            return (entry.Answer.Task, true);
        }
    }

    async Task RunAsync(string key, Entry entry, Func<Task<Answer>> fetch)
    {
        try
        {
            entry.Answer.SetResult(await fetch());
        }
        catch (Exception e)
        {
            entries.TryRemove(KeyValuePair.Create(key, entry));
            entry.Answer.SetException(e);
        }
    }

    bool Fresh(Entry e) => e.Expires > clock.GetUtcNow() && !e.Answer.Task.IsFaulted;

    void Sweep()
    {
        // At most once per window: a storm of many distinct keys must not sweep on every insert.
        nextSweep = clock.GetUtcNow() + window;
        foreach (var (key, e) in entries)
            if (!Fresh(e)) entries.TryRemove(KeyValuePair.Create(key, e));
    }

    sealed class Entry(DateTimeOffset expires)
    {
        public DateTimeOffset Expires { get; } = expires;
        public TaskCompletionSource<Answer> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
