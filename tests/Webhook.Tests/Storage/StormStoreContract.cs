using System.Text.Json;
using Webhook.Diagnosis;
using Webhook.Notify.Storm;
using Webhook.Tests.Notify;

namespace Webhook.Tests.Storage;

/// <summary>
/// What every storm store must do (see <see cref="IStormStore"/>), as tests: a store passes by deriving from this
/// class and opening itself in <see cref="OpenAsync"/> (SQLite: <see cref="SqliteStormStoreTests"/>; a PostgreSQL
/// store adds one more subclass).
/// </summary>
public abstract class StormStoreContract : IAsyncLifetime
{
    const string Slack = "default/slack", Teams = "default/teams";
    static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-11-24T10:00:00Z");
    static readonly StormBatchInfo GroupBatch = new("batch-1", "firing|group|g1", 3), WindowBatch = new("batch-2", "firing|window", int.MaxValue);

    IStormStore _store = null!;
    static CancellationToken None => CancellationToken.None;

    /// <summary>A store over the same data each time it is called (a restart).</summary>
    protected abstract Task<IStormStore> OpenAsync();

    public async Task InitializeAsync() => _store = await OpenAsync();

    public virtual Task DisposeAsync() => CloseAsync();

    async Task CloseAsync()
    {
        if (_store is IAsyncDisposable disposable) await disposable.DisposeAsync();
    }

    async Task RestartAsync()
    {
        await CloseAsync();
        _store = await OpenAsync();
    }

    /// <summary>A shared store (several replicas): it counts the window and knows the held alerts; one process's does neither.</summary>
    protected abstract bool Shared { get; }

    static readonly StormOptions Options = new() { Settle = TimeSpan.FromSeconds(5), MaxHold = TimeSpan.FromSeconds(60) };

    async Task<bool> Add(string destination, StormBatchInfo batch, StormEntry entry, DateTimeOffset at, CancellationToken token) =>
        (await _store.JoinAsync(destination, batch, entry, at, token)).Added;

    static StormEntry Pod(string pod, string cause = Causes.ConfigError) => StormEntry.From(Samples.For(cause, pod: pod), NotifyTestKit.Content);

    static string Json(object value) => JsonSerializer.Serialize(value);

    [Fact]
    public async Task HeldPodsComeBackAfterARestartPerBatchOldestFirstInTheOrderAdded()
    {
        Assert.True(await Add(Slack, WindowBatch, Pod("w-1"), T0.AddSeconds(1), None));
        Assert.True(await Add(Slack, GroupBatch, Pod("g-1"), T0, None));
        Assert.True(await Add(Slack, GroupBatch, Pod("g-2", Causes.OomKilled), T0.AddSeconds(2), None));
        // Added at the same instant: the order they were added in.
        Assert.True(await Add(Slack, GroupBatch, Pod("g-3"), T0.AddSeconds(2), None));
        await RestartAsync();

        var pending = await _store.PendingAsync(Slack, None);
        Assert.Equal([GroupBatch, WindowBatch], pending.Select(p => p.Batch));
        var group = pending[0];
        Assert.Equal(T0, group.FirstAdded);
        Assert.Equal(["fp-shop-g-1", "fp-shop-g-2", "fp-shop-g-3"], group.Entries.Select(e => e.Fingerprint));
        // What the digest is rendered from survives whole: the redacted content, the key, the fingerprint.
        Assert.Equal(Json(Pod("g-2", Causes.OomKilled)), Json(group.Entries[1]));
        Assert.Equal(T0.AddSeconds(1), pending[1].FirstAdded);
        Assert.Empty(await _store.PendingAsync(Teams, None));
    }

    [Fact]
    public async Task APodIsHeldOnceWhoeverAddsItAndWhicheverBatchItIsOfferedTo()
    {
        var pod = Pod("api-1");
        // Several workers with the same pod at once (an item handed out again after a lease ran out): one wins.
        var won = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Add(Slack, GroupBatch, pod, T0.AddSeconds(i), None)));
        Assert.Single(won, w => w);
        await RestartAsync();
        Assert.False(await Add(Slack, WindowBatch, pod, T0.AddMinutes(1), None));

        var held = Assert.Single(await _store.PendingAsync(Slack, None));
        Assert.Equal(GroupBatch, held.Batch);
        Assert.Single(held.Entries);
        // The same pod's digest for another chat is another matter.
        Assert.True(await Add(Teams, GroupBatch, pod, T0, None));
    }

    [Fact]
    public async Task ARemovedBatchLeavesWithAllItsPodsAndOnlyThatBatchOfThatDestination()
    {
        await Add(Slack, GroupBatch, Pod("g-1"), T0, None);
        await Add(Slack, GroupBatch, Pod("g-2"), T0, None);
        await Add(Slack, WindowBatch, Pod("w-1"), T0, None);
        await Add(Teams, GroupBatch, Pod("g-1"), T0, None);

        await _store.RemoveAsync(Slack, GroupBatch.Id, None);
        await RestartAsync();

        Assert.Equal([WindowBatch], (await _store.PendingAsync(Slack, None)).Select(p => p.Batch));
        Assert.Equal([GroupBatch], (await _store.PendingAsync(Teams, None)).Select(p => p.Batch));
        // Its pods may be held again (a re-fire after the digest was posted).
        Assert.True(await Add(Slack, GroupBatch, Pod("g-1"), T0.AddMinutes(5), None));
        await _store.RemoveAsync(Slack, "no-such-batch", None);
    }

    [Fact]
    public async Task AJoinSaysHowManyPodsTheBatchHoldsAndWhenItsFirstAndLastJoined()
    {
        await _store.JoinAsync(Slack, GroupBatch, Pod("g-1"), T0, None);
        await _store.JoinAsync(Slack, GroupBatch, Pod("g-2"), T0.AddSeconds(2), None);
        var joined = await _store.JoinAsync(Slack, GroupBatch, Pod("g-3"), T0.AddSeconds(1), None);
        Assert.Equal(new StormJoin(GroupBatch, true, 3, T0, T0.AddSeconds(2)), joined);
        // A pod held already: not added, and the batch as it was.
        Assert.Equal(new StormJoin(GroupBatch, false, 3, T0, T0.AddSeconds(2)), await _store.JoinAsync(Slack, GroupBatch, Pod("g-1"), T0.AddSeconds(3), None));
    }

    [Fact]
    public async Task ADueBatchIsClaimedWithItsPodsInOrderAndGoneOnceRemoved()
    {
        // All three of its group in: due at once.
        foreach (var (pod, i) in new[] { "g-1", "g-2", "g-3" }.Select((p, i) => (p, i)))
            await _store.JoinAsync(Slack, GroupBatch, Pod(pod), T0.AddSeconds(i), None);
        var claimed = Assert.IsType<StormClaim.Claimed>(await _store.ClaimAsync(Slack, GroupBatch.Id, T0.AddSeconds(3), Options, None));
        Assert.Equal(GroupBatch, claimed.Batch.Batch);
        Assert.Equal(T0, claimed.Batch.FirstAdded);
        Assert.Equal(["fp-shop-g-1", "fp-shop-g-2", "fp-shop-g-3"], claimed.Batch.Entries.Select(e => e.Fingerprint));

        // Claimed, it is closed: the key's next pod opens another batch.
        var next = new StormBatchInfo("batch-3", GroupBatch.Key, 3);
        Assert.Equal(next, (await _store.JoinAsync(Slack, next, Pod("g-4"), T0.AddSeconds(4), None)).Batch);

        await _store.RemoveAsync(Slack, GroupBatch.Id, None);
        Assert.IsType<StormClaim.Gone>(await _store.ClaimAsync(Slack, GroupBatch.Id, T0.AddSeconds(5), Options, None));
    }

    [Fact]
    public async Task ASharedStoreCountsTheWindowAndKnowsTheHeldAlertsAndOneProcesssStoreLeavesBothToItsGate()
    {
        Assert.Equal(Shared, _store.Shared);
        var window = TimeSpan.FromMinutes(2);
        var counts = new List<int>
        {
            await _store.SeenAsync(Slack, "firing", "k1", T0, window, None),
            await _store.SeenAsync(Slack, "firing", "k2", T0.AddSeconds(1), window, None),
            // The same pod again (an item retried): still one.
            await _store.SeenAsync(Slack, "firing", "k1", T0.AddSeconds(2), window, None),
            // Another status and another chat count apart.
            await _store.SeenAsync(Slack, "resolved", "k3", T0.AddSeconds(2), window, None),
            await _store.SeenAsync(Teams, "firing", "k3", T0.AddSeconds(2), window, None),
            // k1 and k2 have left the window.
            await _store.SeenAsync(Slack, "firing", "k4", T0.AddSeconds(1) + window + TimeSpan.FromSeconds(1), window, None),
        };
        Assert.Equal(Shared ? [1, 2, 2, 1, 1, 1] : [0, 0, 0, 0, 0, 0], counts);

        var pod = Pod("g-1");
        await _store.JoinAsync(Slack, GroupBatch, pod, T0, None);
        Assert.Equal(Shared ? pod.IdempotencyKey : null, await _store.HeldAsync(Slack, "fp-shop-g-1", None));
        Assert.Null(await _store.HeldAsync(Teams, "fp-shop-g-1", None));
        await _store.RemoveAsync(Slack, GroupBatch.Id, None);
        Assert.Null(await _store.HeldAsync(Slack, "fp-shop-g-1", None));
    }
}
