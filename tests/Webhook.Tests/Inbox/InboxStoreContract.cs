using Webhook.Inbox;
using static Webhook.Tests.Inbox.InboxTestItems;

namespace Webhook.Tests.Inbox;

/// <summary>
/// What every inbox store must do (see <see cref="IInboxStore"/>), as tests: a store passes by deriving from this
/// class and opening itself in <see cref="OpenAsync"/> (SQLite: <see cref="SqliteInboxStoreTests"/>, PostgreSQL:
/// <see cref="PostgresInboxStoreTests"/>). The store runs on a manual clock, so leases, retries and retention are
/// tested by moving time, not by waiting for it.
/// </summary>
public abstract class InboxStoreContract : IAsyncLifetime
{
    protected static readonly TimeSpan Retention = TimeSpan.FromDays(7), FailedRetention = TimeSpan.FromDays(14);
    static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    protected ManualClock Clock { get; } = new();
    IInboxStore _store = null!;

    /// <summary>A store over the same data each time it is called (a restart), with these retentions, on <see cref="Clock"/>.</summary>
    protected abstract Task<IInboxStore> OpenAsync(TimeSpan retention, TimeSpan failedRetention);

    public async Task InitializeAsync() => _store = await OpenAsync(Retention, FailedRetention);

    public virtual Task DisposeAsync() => CloseAsync();

    async Task CloseAsync()
    {
        if (_store is IAsyncDisposable disposable) await disposable.DisposeAsync();
    }

    async Task RestartAsync()
    {
        await CloseAsync();
        _store = await OpenAsync(Retention, FailedRetention);
    }

    protected sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.Parse("2026-11-24T10:00:00Z");
        public override DateTimeOffset GetUtcNow() => Now;
    }

    Task<IReadOnlyList<InboxItem>> ClaimAsync(int max = 100) => _store.ClaimAsync(max, Lease, CancellationToken.None);

    async Task<InboxItem> ClaimOneAsync() => Assert.Single(await ClaimAsync());

    async Task<string> StateOf(long id) => (await _store.FindAsync(id, CancellationToken.None))!.State;

    static string Describe(IEnumerable<InboxItem> items) => string.Join(", ", items.Select(i => $"{i.Alert.Fingerprint}/{i.Alert.Status}/{i.Alert.StartsAt:HH:mm}"));

    [Fact]
    public async Task AKeyIsStoredOnceWhetherRepeatedInOneBatchOrLater()
    {
        Assert.Equal(new EnqueueResult(1, 1), await _store.EnqueueAsync([Item("a"), Item("a")]));
        Assert.Equal(new EnqueueResult(1, 1), await _store.EnqueueAsync([Item("a"), Item("b")]));
        await RestartAsync();
        Assert.Equal(new EnqueueResult(0, 1), await _store.EnqueueAsync([Item("b")]));

        Assert.Equal(2, (await _store.CountsAsync(CancellationToken.None)).Pending);
    }

    [Fact]
    public async Task ItemsOfOneAlertAreHandedOutOneAtATimeInArrivalOrderWhileOtherAlertsGoOn()
    {
        await _store.EnqueueAsync([Item("a", startsAtMinute: 0), Item("b")]);
        await _store.EnqueueAsync([Item("a", startsAtMinute: 5)]);
        await _store.EnqueueAsync([Item("a", startsAtMinute: 9)]);

        var first = await ClaimAsync();
        Assert.Equal("a/firing/09:00, b/firing/09:00", Describe(first.OrderBy(i => i.Alert.Fingerprint)));
        Assert.Empty(await ClaimAsync()); // a's next waits for a's first to finish

        await _store.CompleteAsync(first.Single(i => i.Alert.Fingerprint == "a"), null, CancellationToken.None);
        var second = await ClaimOneAsync();
        Assert.Equal("a/firing/09:05", Describe([second]));
        await _store.RetryLaterAsync(second, Clock.Now.AddMinutes(1), "HTTP 503", CancellationToken.None);
        Assert.Empty(await ClaimAsync()); // still a's next, though not due yet: the later one waits

        Clock.Now = Clock.Now.AddMinutes(1);
        var again = await ClaimOneAsync();
        Assert.Equal(second.Id, again.Id);
        await _store.GiveUpAsync(again, InboxStates.Failed, "HTTP 404", CancellationToken.None);
        Assert.Equal("a/firing/09:09", Describe([await ClaimOneAsync()])); // a terminal item no longer holds up its alert
    }

    [Fact]
    public async Task AClaimPrefersTheRouteWithFewerItemsInFlightOverAnotherRoutesBacklog()
    {
        // A storm queued on one route first, then one alert on another: the other route must not wait behind it.
        await _store.EnqueueAsync([.. Enumerable.Range(0, 20).Select(i => Item($"storm-{i}", route: "team-a"))]);
        await _store.EnqueueAsync([Item("lonely", route: "team-b")]);

        var busy = await _store.ClaimAsync(1, Lease, CancellationToken.None);
        Assert.Equal("team-a", Assert.Single(busy).Alert.Route); // nothing in flight yet: due order
        var next = await ClaimOneAsync1();
        Assert.Equal("team-b", next.Alert.Route); // team-a has one in flight, team-b none
        var then = await ClaimOneAsync1();
        Assert.Equal("team-a", then.Alert.Route); // only team-a is left: its backlog goes on
    }

    [Fact]
    public async Task AnAlertOnAnotherRouteIsClaimedNextHoweverDeepTheBacklogAheadOfIt()
    {
        // Deeper than any window a claim scans in due order: the lonely alert is due last of 3,001.
        await _store.EnqueueAsync([.. Enumerable.Range(0, 3000).Select(i => Item($"storm-{i}", route: "team-a"))]);
        Clock.Now = Clock.Now.AddSeconds(1);
        await _store.EnqueueAsync([Item("lonely", route: "team-b")]);

        var busy = await _store.ClaimAsync(4, Lease, CancellationToken.None);
        Assert.All(busy, i => Assert.Equal("team-a", i.Alert.Route));
        Assert.Equal("lonely", (await ClaimOneAsync1()).Alert.Fingerprint);
        Assert.Equal("team-a", (await ClaimOneAsync1()).Alert.Route);
    }

    [Fact]
    public async Task ItemsWaitingBehindTheirAlertDoNotHideAnotherAlertQueuedAfterThem()
    {
        // 600 alerts whose first item is retrying later, each with a second item due now but blocked behind it:
        // more than any window of due items a claim might look at.
        await _store.EnqueueAsync([.. Enumerable.Range(0, 600).Select(i => Item($"held-{i}"))]);
        for (var claimed = await ClaimAsync(); claimed.Count > 0; claimed = await ClaimAsync())
            foreach (var item in claimed) await _store.RetryLaterAsync(item, Clock.Now.AddHours(1), "HTTP 503", CancellationToken.None);
        await _store.EnqueueAsync([.. Enumerable.Range(0, 600).Select(i => Item($"held-{i}", startsAtMinute: 5))]);
        await _store.EnqueueAsync([Item("free")]);

        Assert.Equal("free", (await ClaimOneAsync()).Alert.Fingerprint);
    }

    async Task<InboxItem> ClaimOneAsync1() => Assert.Single(await _store.ClaimAsync(1, Lease, CancellationToken.None));

    [Fact]
    public async Task TheOrderOfAnAlertsItemsSurvivesARestart()
    {
        await _store.EnqueueAsync([Item("a", startsAtMinute: 0)]);
        await _store.EnqueueAsync([Item("a", startsAtMinute: 5)]);
        await RestartAsync();

        Assert.Equal("a/firing/09:00", Describe([await ClaimOneAsync()]));
        Assert.Empty(await ClaimAsync());
    }

    [Fact]
    public async Task TheCountsNameEveryStateAndTheOldestOpenItemsAge()
    {
        await _store.EnqueueAsync([Item("delivered")]);
        await _store.CompleteAsync(await ClaimOneAsync(), null, CancellationToken.None);
        await _store.EnqueueAsync([Item("failed")]);
        await _store.GiveUpAsync(await ClaimOneAsync(), InboxStates.Failed, "HTTP 404", CancellationToken.None);
        await _store.EnqueueAsync([Item("dead")]);
        await _store.GiveUpAsync(await ClaimOneAsync(), InboxStates.Dead, "too old", CancellationToken.None);
        // The resolved supersedes its firing and stays in flight: the oldest open item.
        await _store.EnqueueAsync([Item("s")]);
        await _store.EnqueueAsync([Item("s", "resolved")]);
        Assert.Equal("resolved", (await ClaimOneAsync()).Alert.Status);
        Clock.Now += TimeSpan.FromSeconds(40);
        await _store.EnqueueAsync([Item("pending")]);
        Clock.Now += TimeSpan.FromSeconds(20);

        var counts = await _store.CountsAsync(CancellationToken.None);
        Assert.Equal(new InboxCounts(Pending: 1, InFlight: 1, Delivered: 1, Superseded: 1, Failed: 1, Dead: 1, OldestPendingAgeSeconds: 60), counts);

        // As the file holds them after a restart, and after a re-queue (the failed item pending again) and a purge
        // of the finished items past their retention (the dead one is kept longer).
        await RestartAsync();
        Assert.Equal((1, 1, 1, 1), ((await _store.CountsAsync(CancellationToken.None)) is var c ? (c.Delivered, c.Superseded, c.Failed, c.Dead) : default));
        var failed = (await _store.FailedAsync(10, CancellationToken.None)).Single(f => f.State == InboxStates.Failed);
        Assert.Equal(RequeueResult.Requeued, await _store.RequeueAsync(failed.Id, CancellationToken.None));
        Clock.Now += Retention + TimeSpan.FromMinutes(1);
        Assert.Equal(2, await _store.PurgeAsync(CancellationToken.None));
        var after = await _store.CountsAsync(CancellationToken.None);
        Assert.Equal((0, 0, 0, 1, 2), (after.Delivered, after.Superseded, after.Failed, after.Dead, after.Pending));
    }

    [Fact]
    public async Task AResolvedQueuedBehindItsUndeliveredFiringSupersedesIt()
    {
        await _store.EnqueueAsync([Item("a")]);
        await _store.EnqueueAsync([Item("a", "resolved")]);

        var claimed = await ClaimOneAsync();

        Assert.Equal("resolved", claimed.Alert.Status);
        var counts = await _store.CountsAsync(CancellationToken.None);
        Assert.Equal((1, 0, 1), (counts.Superseded, counts.Pending, counts.InFlight));
    }

    [Fact]
    public async Task AFiringThatFailedOnceIsSupersededByItsResolvedInsteadOfPostedAfterIt()
    {
        await _store.EnqueueAsync([Item("a")]);
        var firing = await ClaimOneAsync();
        await _store.RetryLaterAsync(firing, Clock.Now.AddMinutes(10), "HTTP 503", CancellationToken.None);
        await _store.EnqueueAsync([Item("a", "resolved")]);

        var resolved = await ClaimOneAsync();

        Assert.Equal("resolved", resolved.Alert.Status);
        Assert.Equal(InboxStates.Superseded, await StateOf(firing.Id));
        await _store.CompleteAsync(resolved, null, CancellationToken.None);
        Clock.Now = Clock.Now.AddHours(1);
        Assert.Empty(await ClaimAsync()); // the firing's retry never comes
    }

    [Fact]
    public async Task AFiringInFlightIsNotSupersededAndItsResolvedWaitsForIt()
    {
        await _store.EnqueueAsync([Item("a")]);
        var firing = await ClaimOneAsync();
        await _store.EnqueueAsync([Item("a", "resolved")]);

        Assert.Empty(await ClaimAsync());
        Assert.True(await _store.CompleteAsync(firing, "chat", CancellationToken.None));

        Assert.Equal("resolved", (await ClaimOneAsync()).Alert.Status);
        Assert.Equal(InboxStates.Delivered, await StateOf(firing.Id));
    }

    [Fact]
    public async Task AResolvedOfAnEarlierStartDoesNotSupersedeALaterFiring()
    {
        await _store.EnqueueAsync([Item("a", startsAtMinute: 5)]);
        await _store.EnqueueAsync([Item("a", "resolved", startsAtMinute: 0)]);

        Assert.Equal("a/firing/09:05", Describe([await ClaimOneAsync()]));
        Assert.Empty(await ClaimAsync());
    }

    [Fact]
    public async Task AnExpiredLeaseHandsTheItemOutAgainAndTheOldHolderCanNoLongerRecordIt()
    {
        await _store.EnqueueAsync([Item("a")]);
        var first = await ClaimOneAsync();
        Clock.Now += Lease - TimeSpan.FromSeconds(1);
        Assert.Empty(await ClaimAsync());

        Clock.Now += TimeSpan.FromSeconds(2);
        var second = await ClaimOneAsync();

        Assert.Equal(first.Id, second.Id);
        Assert.NotEqual(first.LeaseToken, second.LeaseToken);
        Assert.False(await _store.CompleteAsync(first, null, CancellationToken.None));
        Assert.False(await _store.RetryLaterAsync(first, Clock.Now, "late", CancellationToken.None));
        Assert.False(await _store.RenewLeaseAsync(first, Lease, CancellationToken.None));
        Assert.True(await _store.CompleteAsync(second, null, CancellationToken.None));
        Assert.Equal(InboxStates.Delivered, await StateOf(first.Id));
    }

    [Fact]
    public async Task ARenewedLeaseKeepsTheItem()
    {
        await _store.EnqueueAsync([Item("a")]);
        var item = await ClaimOneAsync();

        for (var i = 0; i < 3; i++)
        {
            Clock.Now += Lease * 2 / 3;
            Assert.True(await _store.RenewLeaseAsync(item, Lease, CancellationToken.None));
            Assert.Empty(await ClaimAsync());
        }
    }

    [Fact]
    public async Task ClaimsOfAStoppedProcessReturnAtStart()
    {
        await _store.EnqueueAsync([Item("a")]);
        var claimed = await ClaimOneAsync();
        await RestartAsync();

        Assert.Equal(1, await _store.RecoverInFlightAsync(CancellationToken.None));
        var again = await ClaimOneAsync();

        Assert.Equal(claimed.Id, again.Id);
    }

    [Fact]
    public async Task ARetryIsDueAtItsTimeWithItsAttemptAndReason()
    {
        await _store.EnqueueAsync([Item("a")]);
        var item = await ClaimOneAsync();
        Assert.True(await _store.RetryLaterAsync(item, Clock.Now.AddSeconds(30), "default/chat: HTTP 503", CancellationToken.None));

        Clock.Now = Clock.Now.AddSeconds(29);
        Assert.Empty(await ClaimAsync());
        Clock.Now = Clock.Now.AddSeconds(1);
        var retried = await ClaimOneAsync();

        Assert.Equal(1, retried.Attempts);
        Assert.Equal(item.QueuedAt, retried.QueuedAt);
        Assert.Equal("default/chat: HTTP 503", (await _store.FindAsync(item.Id, CancellationToken.None))!.LastError);
    }

    [Fact]
    public async Task ARetryThatSentNothingIsDueAtItsTimeWithoutCountingAnAttempt()
    {
        await _store.EnqueueAsync([Item("a")]);
        var item = await ClaimOneAsync();
        Assert.True(await _store.RetryLaterAsync(item, Clock.Now.AddSeconds(1), "default/chat: not sent: destination busy", CancellationToken.None, countAttempt: false));

        Assert.Empty(await ClaimAsync());
        Clock.Now = Clock.Now.AddSeconds(1);
        var again = await ClaimOneAsync();
        Assert.Equal(0, again.Attempts);
        Assert.Equal("default/chat: not sent: destination busy", (await _store.FindAsync(item.Id, CancellationToken.None))!.LastError);
    }

    [Theory]
    [InlineData(InboxStates.Failed)]
    [InlineData(InboxStates.Dead)]
    public async Task AnItemGivenUpIsTerminalCountedAndListedWithItsReason(string state)
    {
        await _store.EnqueueAsync([Item("a")]);
        var item = await ClaimOneAsync();

        Assert.True(await _store.GiveUpAsync(item, state, "default/chat: HTTP 404", CancellationToken.None));
        Clock.Now = Clock.Now.AddDays(1);

        Assert.Empty(await ClaimAsync());
        var counts = await _store.CountsAsync(CancellationToken.None);
        Assert.Equal(1, state == InboxStates.Failed ? counts.Failed : counts.Dead);
        var listed = Assert.Single(await _store.FailedAsync(10, CancellationToken.None));
        Assert.Equal((item.Id, state, "default/chat: HTTP 404", "a", "pod-a"), (listed.Id, listed.State, listed.Reason, listed.Fingerprint, listed.Pod));
    }

    [Fact]
    public async Task ARequeuedItemIsDueNowWithItsAgeStartedOverAndKeepsItsDeliveries()
    {
        await _store.EnqueueAsync([Item("a")]);
        var item = await ClaimOneAsync();
        await _store.MarkDeliveredToAsync(item.Id, "default/teams", CancellationToken.None);
        await _store.GiveUpAsync(item, InboxStates.Failed, "default/chat: HTTP 400", CancellationToken.None);
        Clock.Now = Clock.Now.AddHours(3);

        Assert.Equal(RequeueResult.Requeued, await _store.RequeueAsync(item.Id, CancellationToken.None));
        var again = await ClaimOneAsync();

        Assert.Equal((item.Id, 0, Clock.Now), (again.Id, again.Attempts, again.QueuedAt));
        Assert.Contains("default/teams", await _store.DeliveredDestinationsAsync(item.Id, CancellationToken.None));
        Assert.Equal(RequeueResult.NotFailed, await _store.RequeueAsync(item.Id, CancellationToken.None));
        Assert.Equal(RequeueResult.NotFound, await _store.RequeueAsync(item.Id + 1000, CancellationToken.None));
    }

    [Fact]
    public async Task FinishedItemsArePurgedAfterTheirRetentionAndTheirKeysAreNewAgain()
    {
        await _store.EnqueueAsync([Item("done"), Item("rejected"), Item("resolved-early")]);
        await _store.EnqueueAsync([Item("resolved-early", "resolved"), Item("waiting")]);
        foreach (var item in await ClaimAsync(3))
        {
            if (item.Alert.Fingerprint == "rejected") await _store.GiveUpAsync(item, InboxStates.Failed, "HTTP 400", CancellationToken.None);
            else if (item.Alert.Fingerprint == "done") await _store.CompleteAsync(item, null, CancellationToken.None);
            else await _store.RetryLaterAsync(item, Clock.Now.AddYears(1), "HTTP 503", CancellationToken.None);
        }
        Assert.Equal(0, await _store.PurgeAsync(CancellationToken.None));

        Clock.Now += Retention + TimeSpan.FromMinutes(1);
        Assert.Equal(2, await _store.PurgeAsync(CancellationToken.None)); // delivered, superseded
        Assert.Equal(new EnqueueResult(1, 1), await _store.EnqueueAsync([Item("done"), Item("rejected")]));

        Clock.Now += FailedRetention;
        Assert.Equal(1, await _store.PurgeAsync(CancellationToken.None)); // failed
        Assert.Empty(await _store.FailedAsync(10, CancellationToken.None));
        var counts = await _store.CountsAsync(CancellationToken.None);
        Assert.Equal((0, 0, 0), (counts.Delivered, counts.Failed, counts.Superseded));
        Assert.Equal(3, counts.Pending); // waiting and resolved-early (never finished) and the new "done"
    }

    [Fact]
    public async Task TheStoreIsWritableWhileItWorks()
    {
        Assert.True(await _store.IsWritableAsync(CancellationToken.None));
    }
}
