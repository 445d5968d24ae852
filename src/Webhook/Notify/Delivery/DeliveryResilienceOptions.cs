using System.ComponentModel.DataAnnotations;

namespace Webhook.Notify.Delivery;

/// <summary>
/// In-process resilience around one delivery (section "Delivery"). A chat's throttling (429 with a short
/// Retry-After) is waited out here; other retryable failures, a longer Retry-After and an open circuit go back to
/// the inbox, whose durable, jittered exponential backoff survives restarts. One retry loop per kind of failure.
/// </summary>
public sealed class DeliveryResilienceOptions
{
    public const string Section = "Delivery";

    [Range(0, 10)] public int MaxRetryAttempts { get; set; } = 3;
    /// <summary>True: only answers that carry a Retry-After are retried in process. False: every retryable
    /// outcome is, with jittered exponential backoff (for deployments that want fast retries of 5xx too).</summary>
    public bool RetryOnlyThrottled { get; set; } = true;
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(15);
    /// <summary>A server's Retry-After up to this long is waited out in process; longer ones are the inbox's.</summary>
    public TimeSpan MaxInProcessRetryAfter { get; set; } = TimeSpan.FromSeconds(20);

    [Range(0.01, 1.0)] public double FailureRatio { get; set; } = 0.5;
    [Range(2, 1000)] public int MinimumThroughput { get; set; } = 4;
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromMinutes(1);
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Messages per second per destination, by kind. Slack: about 1 per second per channel
    /// (https://api.slack.com/apis/rate-limits#posting-messages); Teams: 4 per second.</summary>
    public Dictionary<string, RateOptions> Rates { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["slack"] = new() { PerSecond = 1, Burst = 3 },
        ["teams"] = new() { PerSecond = 4, Burst = 4 },
        ["webhook"] = new() { PerSecond = 20, Burst = 20 },
    };
}

public sealed class RateOptions
{
    [Range(0.01, 10_000)] public double PerSecond { get; set; } = 1;
    [Range(1, 10_000)] public int Burst { get; set; } = 1;
}
