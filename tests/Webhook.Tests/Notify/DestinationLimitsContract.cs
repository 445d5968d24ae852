using Webhook.Notify.Delivery;
using Webhook.Tests.Storage;

namespace Webhook.Tests.Notify;

/// <summary>
/// What every keeper of the destinations' limits must do (see <see cref="IDestinationLimits"/>), on a clock the tests
/// move: the pace gives a burst and then one slot per interval, a 429's pause holds until its wait is over and allows
/// no burst after it, and the breaker opens on failures, refuses while open, and lets one trial decide after the
/// break. In memory: <see cref="LocalDestinationLimitsTests"/>; shared by replicas: <see cref="PostgresDestinationLimitsTests"/>.
/// </summary>
public abstract class DestinationLimitsContract : IAsyncLifetime
{
    protected const string Channel = "slack:channel:C1";
    protected static readonly RateOptions Slack = new() { PerSecond = 1, Burst = 3, MaxInFlight = 1 };
    protected static readonly DeliveryResilienceOptions Options = new()
    {
        FailureRatio = 0.5, MinimumThroughput = 4, SamplingDuration = TimeSpan.FromMinutes(1), BreakDuration = TimeSpan.FromSeconds(30),
    };
    protected static readonly DeliveryOutcome Failed = new DeliveryOutcome.Retryable("HTTP 503");

    protected ManualClock Clock { get; } = new();
    IDestinationLimits _limits = null!;

    /// <summary>A keeper of the limits on <see cref="Clock"/> with <see cref="Options"/> (for a shared one: another replica each call).</summary>
    protected abstract Task<IDestinationLimits> OpenAsync();

    public virtual async Task InitializeAsync() => _limits = await OpenAsync();
    public virtual Task DisposeAsync() => Task.CompletedTask;

    protected static async Task<bool> Taken(IDestinationLimits limits, string key = Channel, RateOptions? rate = null) =>
        await limits.TakeSlotAsync(key, rate ?? Slack, default) == TimeSpan.Zero;

    /// <summary>Runs one attempt with the given answer under the breaker; whether it ran, and what came back.</summary>
    protected static async Task<(bool Ran, DeliveryOutcome Outcome)> Attempt(IDestinationLimits limits, DeliveryOutcome answer, string destination = "default/slack")
    {
        var ran = false;
        var outcome = await limits.UnderBreakerAsync(destination, _ => { ran = true; return Task.FromResult(answer); }, default);
        return (ran, outcome);
    }

    [Fact]
    public async Task ThePaceGivesItsBurstThenOneSlotPerIntervalAndSaysHowLongUntilTheNext()
    {
        Assert.True(await Taken(_limits));
        Assert.True(await Taken(_limits));
        Assert.True(await Taken(_limits));
        var wait = await _limits.TakeSlotAsync(Channel, Slack, default);
        Assert.InRange(wait, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1));
        // Another destination has a pace of its own.
        Assert.True(await Taken(_limits, "slack:channel:C2"));

        Clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.False(await Taken(_limits));
        Clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.True(await Taken(_limits));
        Assert.False(await Taken(_limits));
    }

    [Fact]
    public async Task APauseHoldsTheDestinationUntilItsWaitAndAllowsNoBurstAfterIt()
    {
        Assert.True(await Taken(_limits));
        await _limits.PauseAsync(Channel, Slack, TimeSpan.FromSeconds(5), default);
        Clock.Advance(TimeSpan.FromSeconds(4.9));
        Assert.True(await _limits.TakeSlotAsync(Channel, Slack, default) > TimeSpan.Zero);
        // One interval after the pause, one slot, not a burst.
        Clock.Advance(TimeSpan.FromSeconds(1.1));
        Assert.True(await Taken(_limits));
        Assert.False(await Taken(_limits));

        // A destination without a pace (a kind with no rate) is held only by a pause.
        const string Unpaced = "webhook:url:1";
        Assert.True(await Taken(_limits, Unpaced, RateOptions()));
        await _limits.PauseAsync(Unpaced, null, TimeSpan.FromSeconds(2), default);
        Assert.True(await _limits.TakeSlotAsync(Unpaced, null, default) > TimeSpan.Zero);
        Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(TimeSpan.Zero, await _limits.TakeSlotAsync(Unpaced, null, default));
        Assert.Equal(TimeSpan.Zero, await _limits.TakeSlotAsync(Unpaced, null, default));

        static RateOptions? RateOptions() => null;
    }

    [Fact]
    public async Task FailuresOpenTheCircuitWhichRefusesUntilTheBreakIsOverAndThenOneTrialDecides()
    {
        for (var i = 0; i < Options.MinimumThroughput; i++) Assert.Equal((true, Failed), await Attempt(_limits, Failed));

        var (ran, open) = await Attempt(_limits, DeliveryOutcome.Success);
        Assert.False(ran);
        var refused = Assert.IsType<DeliveryOutcome.Retryable>(open);
        Assert.Equal(DeliveryReasons.CircuitOpen, refused.Reason);
        Assert.InRange(refused.RetryAfter!.Value, TimeSpan.FromMilliseconds(1), Options.BreakDuration);
        // Another destination is not affected.
        Assert.True((await Attempt(_limits, DeliveryOutcome.Success, "default/teams")).Ran);

        // After the break the trial fails: open again for a whole break.
        Clock.Advance(Options.BreakDuration + TimeSpan.FromSeconds(1));
        Assert.Equal((true, Failed), await Attempt(_limits, Failed));
        Assert.False((await Attempt(_limits, DeliveryOutcome.Success)).Ran);
        Clock.Advance(Options.BreakDuration - TimeSpan.FromSeconds(2));
        Assert.False((await Attempt(_limits, DeliveryOutcome.Success)).Ran);

        // The next trial succeeds: closed, every attempt runs.
        Clock.Advance(TimeSpan.FromSeconds(3));
        Assert.True((await Attempt(_limits, DeliveryOutcome.Success)).Ran);
        Assert.True((await Attempt(_limits, DeliveryOutcome.Success)).Ran);
        Assert.True((await Attempt(_limits, Failed)).Ran);
    }

    [Fact]
    public async Task WhatWasNotSentOrThrottledNeverOpensTheCircuit()
    {
        var answers = new DeliveryOutcome[]
        {
            new DeliveryOutcome.Retryable(DeliveryReasons.RateLimited, TimeSpan.FromSeconds(1)),
            new DeliveryOutcome.Retryable(DeliveryReasons.ThrottledPrefix + "HTTP 429", TimeSpan.FromSeconds(1)),
            new DeliveryOutcome.Permanent("HTTP 400"),
        };
        for (var i = 0; i < Options.MinimumThroughput * 3; i++) Assert.True((await Attempt(_limits, answers[i % answers.Length])).Ran);
        Assert.True((await Attempt(_limits, DeliveryOutcome.Success)).Ran);
    }
}

/// <summary>One process's limits, in memory.</summary>
public sealed class LocalDestinationLimitsTests : DestinationLimitsContract
{
    protected override Task<IDestinationLimits> OpenAsync() =>
        Task.FromResult<IDestinationLimits>(new LocalDestinationLimits(Microsoft.Extensions.Options.Options.Create(Options), Clock));
}
