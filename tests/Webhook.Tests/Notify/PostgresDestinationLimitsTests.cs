using Microsoft.Extensions.Logging.Abstractions;
using Webhook.Inbox;
using Webhook.Notify.Delivery;

namespace Webhook.Tests.Notify;

/// <summary>
/// The limits shared by replicas pass the contract on a real PostgreSQL server (<see cref="PostgresServer"/>), each
/// test in a schema of its own; beyond it, what sharing is for: several replicas (each its own store and limits on
/// one database) take one destination's slots together at its pace, and a circuit one opened the others honour.
/// </summary>
[Collection(nameof(PostgresCollection))]
public sealed class PostgresDestinationLimitsTests(PostgresServer server) : DestinationLimitsContract
{
    readonly List<PostgresInbox> _databases = [];
    string? _connectionString;

    protected override async Task<IDestinationLimits> OpenAsync()
    {
        var database = await PostgresServer.OpenInboxAsync(
            _connectionString ??= await server.ConnectionStringAsync("limits_contract", $"t{Guid.NewGuid():n}"), Clock);
        _databases.Add(database);
        return new PostgresDestinationLimits(database, Microsoft.Extensions.Options.Options.Create(Options), Clock, NullLogger<PostgresDestinationLimits>.Instance);
    }

    [Fact]
    public async Task ThreeReplicasTakeOneDestinationsSlotsTogetherAtItsPace()
    {
        var replicas = await Task.WhenAll(OpenAsync(), OpenAsync(), OpenAsync());
        // All at once: the burst of one destination, not one burst per replica.
        var first = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Taken(replicas[i % 3])));
        Assert.Equal(Slack.Burst, first.Count(t => t));

        // Then one slot per interval whoever asks, for a minute of the clock.
        var taken = 0;
        for (var second = 1; second <= 60; second++)
        {
            Clock.Advance(TimeSpan.FromSeconds(1));
            var round = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Taken(replicas[(i + second) % 3])));
            Assert.Equal(1, round.Count(t => t));
            taken++;
        }
        Assert.Equal(60, taken);

        // A 429 one replica met holds the others too.
        Clock.Advance(TimeSpan.FromSeconds(1));
        await replicas[0].PauseAsync(Channel, Slack, TimeSpan.FromSeconds(10), default);
        Assert.All(await Task.WhenAll(replicas.Select(r => r.TakeSlotAsync(Channel, Slack, default).AsTask())),
            wait => Assert.InRange(wait, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(11)));
    }

    [Fact]
    public async Task ACircuitOneReplicaOpenedIsHonouredByTheOthersAndOneTrialOfAllDecides()
    {
        var (a, b) = (await OpenAsync(), await OpenAsync());
        // B posted fine a moment ago, so its view is fresh: closed.
        Assert.True((await Attempt(b, DeliveryOutcome.Success)).Ran);
        for (var i = 0; i < Options.MinimumThroughput; i++) Assert.True((await Attempt(a, Failed)).Ran);
        Assert.False((await Attempt(a, DeliveryOutcome.Success)).Ran);

        // Within a refresh B may still go by what it read; after it, B leaves the destination alone too.
        Clock.Advance(PostgresDestinationLimits.Refresh);
        var (ran, outcome) = await Attempt(b, DeliveryOutcome.Success);
        Assert.False(ran);
        Assert.Equal(DeliveryReasons.CircuitOpen, Assert.IsType<DeliveryOutcome.Retryable>(outcome).Reason);
        // A replica that starts now sees it at once.
        Assert.False((await Attempt(await OpenAsync(), DeliveryOutcome.Success)).Ran);

        // The break is over: of attempts on both replicas at the same moment, one is the trial; the others wait for it.
        Clock.Advance(Options.BreakDuration);
        var release = new TaskCompletionSource<DeliveryOutcome>();
        var running = 0;
        var attempts = Enumerable.Range(0, 6).Select(i => (i % 2 == 0 ? a : b).UnderBreakerAsync("default/slack",
            _ => { Interlocked.Increment(ref running); return release.Task; }, default)).ToList();
        await Eventually.True(() => attempts.Count(t => t.IsCompleted) == 5, () => $"{attempts.Count(t => t.IsCompleted)} of 6 answered", TimeSpan.FromSeconds(30));
        Assert.Equal(1, Volatile.Read(ref running));
        Assert.All(attempts.Where(t => t.IsCompleted), t => Assert.Equal(DeliveryReasons.CircuitOpen, Assert.IsType<DeliveryOutcome.Retryable>(t.Result).Reason));
        var trial = Assert.Single(attempts, t => !t.IsCompleted);
        release.SetResult(DeliveryOutcome.Success);
        Assert.Equal(DeliveryOutcome.Success, await trial);

        // Its success closed the circuit for both (for the other, once its view of the trial's break is a refresh old).
        Clock.Advance(PostgresDestinationLimits.Refresh);
        Assert.True((await Attempt(a, DeliveryOutcome.Success)).Ran);
        Assert.True((await Attempt(b, DeliveryOutcome.Success)).Ran);
    }

    public override async Task DisposeAsync()
    {
        foreach (var database in _databases) await database.DisposeAsync();
    }
}
