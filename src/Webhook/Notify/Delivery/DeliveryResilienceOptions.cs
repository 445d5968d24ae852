using System.ComponentModel.DataAnnotations;

namespace Webhook.Notify.Delivery;

/// <summary>
/// Per-destination guards of the delivery stage (section "Delivery"): posting pace, posts in flight, circuit
/// breaker. Nothing here waits or retries; retries with backoff are the inbox's.
/// </summary>
public sealed class DeliveryResilienceOptions
{
    public const string Section = "Delivery";

    [Range(0.01, 1.0)] public double FailureRatio { get; set; } = 0.5;
    [Range(2, 1000)] public int MinimumThroughput { get; set; } = 4;
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromMinutes(1);
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>When a destination already has <see cref="RateOptions.MaxInFlight"/> posts going, try again after this.</summary>
    public TimeSpan BusyRetryAfter { get; set; } = TimeSpan.FromMilliseconds(500);
    /// <summary>
    /// How long a ready post waits for one of its destination's posts in flight to finish before it is turned away as
    /// busy. A healthy destination answers in milliseconds: in a storm the workers outnumber its posts in flight, and
    /// each item turned away ran its whole pipeline again (collection included) after <see cref="BusyRetryAfter"/>.
    /// A slow one still holds no more workers than its posts in flight for longer than this.
    /// </summary>
    public TimeSpan BusyWait { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Per kind of destination. Slack: about 1 message per second per channel, short bursts allowed
    /// (https://api.slack.com/apis/rate-limits#posting-messages), per incoming webhook alike; Teams: 4 per second
    /// (https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using#rate-limiting-for-connectors).
    /// The generic webhook has no documented pace; only its posts in flight are capped.</summary>
    public Dictionary<string, RateOptions> Rates { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["slack"] = new() { PerSecond = 1, Burst = 3, MaxInFlight = 1 },
        ["teams"] = new() { PerSecond = 4, Burst = 4, MaxInFlight = 1 },
        ["webhook"] = new() { PerSecond = 10_000, Burst = 10_000, MaxInFlight = 2 },
    };
}

public sealed class RateOptions
{
    /// <summary>Posts per second per chat destination (Slack channel or webhook URL, Teams workflow URL).</summary>
    [Range(0.01, 10_000)] public double PerSecond { get; set; } = 1;
    [Range(1, 10_000)] public int Burst { get; set; } = 1;
    /// <summary>Deliveries to one destination at once: a slow destination holds at most this many workers.</summary>
    [Range(1, 256)] public int MaxInFlight { get; set; } = 1;
}
