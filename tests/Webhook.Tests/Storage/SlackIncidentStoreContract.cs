using Webhook.Notify.Slack;

namespace Webhook.Tests.Storage;

/// <summary>
/// What every Slack incident store must do (see <see cref="ISlackIncidentStore"/>), as tests: a store passes by
/// deriving from this class and opening itself in <see cref="OpenAsync"/> (SQLite: <see cref="SqliteSlackIncidentStoreTests"/>;
/// a PostgreSQL store adds one more subclass). The store runs on a manual clock.
/// </summary>
public abstract class SlackIncidentStoreContract : IAsyncLifetime
{
    const string Slack = "default/slack", Other = "team-b/slack", Channel = "C0123456789";
    static readonly SlackStoreOptions Retention = new()
    {
        IncidentMaxAge = TimeSpan.FromDays(7), ResolvedRetention = TimeSpan.FromDays(30), StepRetention = TimeSpan.FromDays(14),
    };

    protected ManualClock Clock { get; } = new();
    ISlackIncidentStore _store = null!;
    static CancellationToken None => CancellationToken.None;

    /// <summary>A store over the same data each time it is called (a restart), with these options, on <see cref="Clock"/>.</summary>
    protected abstract Task<ISlackIncidentStore> OpenAsync(SlackStoreOptions options);

    public async Task InitializeAsync() => _store = await OpenAsync(Retention);

    public virtual Task DisposeAsync() => CloseAsync();

    async Task CloseAsync()
    {
        if (_store is IAsyncDisposable disposable) await disposable.DisposeAsync();
    }

    async Task RestartAsync()
    {
        await CloseAsync();
        _store = await OpenAsync(Retention);
    }

    Task OpenIncidentAsync(string ts, string key = "shop/api|api|config-error", string fingerprint = "fp-a", string destination = Slack) =>
        _store.OpenAsync(destination, key, Channel, ts, $$"""{"text":"message {{ts}}"}""", fingerprint, "item-" + ts, None);

    [Fact]
    public async Task AnAttemptIsRecordedByOneCallerOnlyAndKeepsItsFirstTimeUntilCleared()
    {
        var first = Clock.Now;
        // Many workers at once (a retry racing a lease's expiry): one of them records it.
        var won = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _store.MarkAttemptAsync(Slack, "item-1", "post", None)));
        Assert.Single(won, w => w);

        Clock.Advance(TimeSpan.FromMinutes(3));
        Assert.False(await _store.MarkAttemptAsync(Slack, "item-1", "post", None));
        await RestartAsync();
        Assert.Equal(first, await _store.AttemptedAtAsync(Slack, "item-1", "post", None));
        // Another step, another item or another destination is another attempt.
        Assert.Null(await _store.AttemptedAtAsync(Slack, "item-1", "refire-reply", None));
        Assert.Null(await _store.AttemptedAtAsync(Slack, "item-2", "post", None));
        Assert.Null(await _store.AttemptedAtAsync(Other, "item-1", "post", None));

        await _store.ClearAttemptAsync(Slack, "item-1", "post", None);
        Assert.Null(await _store.AttemptedAtAsync(Slack, "item-1", "post", None));
        Assert.True(await _store.MarkAttemptAsync(Slack, "item-1", "post", None));
        Assert.Equal(Clock.Now, await _store.AttemptedAtAsync(Slack, "item-1", "post", None));
    }

    [Fact]
    public async Task ADestinationsConversationIsHeldByOneCallerAtATimeAndOtherDestinationsDoNotWait()
    {
        var inside = 0;
        var most = 0;
        // Several notifications of one destination at once: each reads and writes while it holds the conversation,
        // which gives an overlap every chance to show.
        await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(async () =>
        {
            await using var conversation = await _store.LockConversationAsync(Slack, None);
            var now = Interlocked.Increment(ref inside);
            InterlockedMax(ref most, now);
            await _store.FindOpenAsync(Slack, "key", None);
            await _store.MarkStepAsync(Slack, $"item-{i}", "post", null, None);
            Interlocked.Decrement(ref inside);
        })));
        Assert.Equal(1, most);

        // Held for one destination, another's conversation is free; released, the first is free again.
        await using (await _store.LockConversationAsync(Slack, None))
        await using (await _store.LockConversationAsync(Other, None)) { }
        await using (await _store.LockConversationAsync(Slack, None)) { }
    }

    static void InterlockedMax(ref int target, int value)
    {
        for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
            if (Interlocked.CompareExchange(ref target, value, seen) == seen) return;
    }

    [Fact]
    public async Task AStepIsDoneOnceMarkedAndKeepsTheLatestTs()
    {
        Assert.Null(await _store.FindStepAsync(Slack, "item-1", "done", None));
        await _store.MarkStepAsync(Slack, "item-1", "done", null, None);
        Assert.Equal(new SlackStep(null), await _store.FindStepAsync(Slack, "item-1", "done", None));

        await _store.MarkStepAsync(Slack, "digest:1", "post", "1700000000.000100", None);
        await _store.MarkStepAsync(Slack, "digest:1", "post", "1700000000.000200", None);
        await RestartAsync();
        Assert.Equal(new SlackStep("1700000000.000200"), await _store.FindStepAsync(Slack, "digest:1", "post", None));
        Assert.Null(await _store.FindStepAsync(Other, "digest:1", "post", None));
        Assert.Null(await _store.FindStepAsync(Slack, "digest:1", "more-pods", None));
    }

    [Fact]
    public async Task OpeningAnIncidentRecordsItsMessageItsFirstPodFiringAndThePostStep()
    {
        await OpenIncidentAsync("1700000000.000100");
        await RestartAsync();

        var open = await _store.FindOpenAsync(Slack, "shop/api|api|config-error", None);
        Assert.Equal(new SlackIncident(Channel, "1700000000.000100", """{"text":"message 1700000000.000100"}""", Clock.Now), open);
        Assert.Equal(open, await _store.FindOpenByPodAsync(Slack, "fp-a", None));
        Assert.Equal(new SlackStep("1700000000.000100"), await _store.FindStepAsync(Slack, "item-1700000000.000100", "post", None));
        Assert.Equal(1, await _store.FiringPodsExceptAsync(Slack, open!.Ts, "fp-other", None));
        Assert.Equal(0, await _store.FiringPodsExceptAsync(Slack, open.Ts, "fp-a", None));
        // Other keys, pods and destinations find nothing.
        Assert.Null(await _store.FindOpenAsync(Slack, "shop/api|api|oom-killed", None));
        Assert.Null(await _store.FindOpenByPodAsync(Slack, "fp-b", None));
        Assert.Null(await _store.FindOpenAsync(Other, "shop/api|api|config-error", None));
    }

    [Fact]
    public async Task TheNewestOpenIncidentOfAKeyIsFound()
    {
        await OpenIncidentAsync("1700000000.000100");
        Clock.Advance(TimeSpan.FromMinutes(1));
        await OpenIncidentAsync("1700000060.000100", fingerprint: "fp-b");

        Assert.Equal("1700000060.000100", (await _store.FindOpenAsync(Slack, "shop/api|api|config-error", None))?.Ts);
        Assert.Equal("1700000000.000100", (await _store.FindOpenByPodAsync(Slack, "fp-a", None))?.Ts);
    }

    [Fact]
    public async Task PodsJoinAndRecoverWithinAnIncidentAndAResolvedIncidentIsNoLongerFound()
    {
        await OpenIncidentAsync("1700000000.000100");
        await _store.SetPodFiringAsync(Slack, "1700000000.000100", "fp-b", true, None);
        await _store.SetPodFiringAsync(Slack, "1700000000.000100", "fp-c", true, None);
        Assert.Equal(2, await _store.FiringPodsExceptAsync(Slack, "1700000000.000100", "fp-a", None));

        await _store.SetPodFiringAsync(Slack, "1700000000.000100", "fp-b", false, None);
        Assert.Equal(1, await _store.FiringPodsExceptAsync(Slack, "1700000000.000100", "fp-a", None));
        // A recovered pod still belongs to its incident: its re-fire or a late resolve finds it.
        Assert.Equal("1700000000.000100", (await _store.FindOpenByPodAsync(Slack, "fp-b", None))?.Ts);

        await _store.ResolveAsync(Slack, "1700000000.000100", None);
        Assert.Null(await _store.FindOpenAsync(Slack, "shop/api|api|config-error", None));
        Assert.Null(await _store.FindOpenByPodAsync(Slack, "fp-a", None));
        Assert.Null(await _store.FindOpenByPodAsync(Slack, "fp-c", None));
    }

    [Fact]
    public async Task AnIncidentOpenLongerThanItsMaximumAgeIsNotFound()
    {
        await OpenIncidentAsync("1700000000.000100");
        Clock.Advance(TimeSpan.FromDays(7) - TimeSpan.FromSeconds(1));
        Assert.NotNull(await _store.FindOpenAsync(Slack, "shop/api|api|config-error", None));

        Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(await _store.FindOpenAsync(Slack, "shop/api|api|config-error", None));
        Assert.Null(await _store.FindOpenByPodAsync(Slack, "fp-a", None));
    }

    [Fact]
    public async Task ADigestIsOneIncidentOfAllItsPodsAndRecordingItAgainKeepsItsMessage()
    {
        await _store.OpenDigestAsync(Slack, "digest:abc", Channel, "1700000000.000300", """{"text":"11 pods"}""", ["fp-1", "fp-2", "fp-3"], None);
        await _store.SetPodFiringAsync(Slack, "1700000000.000300", "fp-2", false, None);
        Clock.Advance(TimeSpan.FromMinutes(1));
        // A retry after a crash between recording the digest and marking its step: the same digest again.
        await _store.OpenDigestAsync(Slack, "digest:abc", Channel, "1700000000.000300", """{"text":"again"}""", ["fp-1", "fp-2", "fp-3"], None);

        foreach (var pod in new[] { "fp-1", "fp-2", "fp-3" })
            Assert.Equal(new SlackIncident(Channel, "1700000000.000300", """{"text":"11 pods"}""", Clock.Now - TimeSpan.FromMinutes(1)),
                await _store.FindOpenByPodAsync(Slack, pod, None));
        Assert.Equal(2, await _store.FiringPodsExceptAsync(Slack, "1700000000.000300", "fp-1", None));
    }

    [Fact]
    public async Task APurgeDeletesWhatIsPastRetentionAndKeepsTheRest()
    {
        await OpenIncidentAsync("1.1", key: "resolved-long-ago", fingerprint: "fp-old");
        await _store.ResolveAsync(Slack, "1.1", None);
        await OpenIncidentAsync("1.2", key: "never-resolved", fingerprint: "fp-stuck");
        await _store.MarkAttemptAsync(Slack, "item-old", "post", None);
        await _store.MarkStepAsync(Slack, "item-old", "done", null, None);

        Clock.Advance(TimeSpan.FromDays(20));
        await OpenIncidentAsync("2.1", key: "recent", fingerprint: "fp-new");
        await _store.MarkAttemptAsync(Slack, "item-new", "post", None);

        // Day 20: the marks (14 days) and the incident that never resolved (7 days) are past; the resolved one (30) is not.
        Assert.Equal(1, await _store.PurgeAsync(None));
        Assert.Null(await _store.FindStepAsync(Slack, "item-old", "done", None));
        Assert.Null(await _store.AttemptedAtAsync(Slack, "item-old", "post", None));
        Assert.Equal(0, await _store.FiringPodsExceptAsync(Slack, "1.2", "none", None));
        Assert.NotNull(await _store.AttemptedAtAsync(Slack, "item-new", "post", None));
        Assert.NotNull(await _store.FindStepAsync(Slack, "item-2.1", "post", None));
        Assert.NotNull(await _store.FindOpenAsync(Slack, "recent", None));
        await _store.ResolveAsync(Slack, "2.1", None); // resolved on day 20: kept until day 50

        Clock.Advance(TimeSpan.FromDays(11));
        Assert.Equal(1, await _store.PurgeAsync(None)); // the resolved one, 31 days on
        Assert.Equal(0, await _store.PurgeAsync(None));
        Assert.Equal(1, await _store.FiringPodsExceptAsync(Slack, "2.1", "none", None));
    }

    [Fact]
    public async Task DestinationsKeepTheirIncidentsApartEvenWithTheSameMessageTs()
    {
        await OpenIncidentAsync("1700000000.000100", destination: Slack);
        await OpenIncidentAsync("1700000000.000100", destination: Other, fingerprint: "fp-b");
        await _store.ResolveAsync(Other, "1700000000.000100", None);

        Assert.NotNull(await _store.FindOpenAsync(Slack, "shop/api|api|config-error", None));
        Assert.Null(await _store.FindOpenAsync(Other, "shop/api|api|config-error", None));
        Assert.Equal(0, await _store.FiringPodsExceptAsync(Slack, "1700000000.000100", "fp-a", None));
    }
}
