using System.ComponentModel.DataAnnotations;
using Webhook.Operations;

namespace Webhook.Pipeline;

public sealed class PipelineOptions
{
    public const string Section = "Pipeline";

    /// <summary>Items worked on at once.</summary>
    [Range(1, 256)]
    public int Workers { get; set; } = 4;

    /// <summary>First retry delay; doubles per attempt with jitter, up to <see cref="MaxBackoff"/>.</summary>
    [TimeSpanRange("00:00:00.010", "01:00:00")]
    public TimeSpan BaseBackoff { get; set; } = TimeSpan.FromSeconds(2);

    [TimeSpanRange("00:00:00.010", "1.00:00:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Retryable failures are retried (with backoff) until the item is this old, then it is dead. Long enough to
    /// ride out a chat outage of hours without anyone re-queueing; an alert older than a day is history.
    /// </summary>
    [TimeSpanRange("00:00:01", "30.00:00:00")]
    public TimeSpan MaxRetryAge { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long a claimed item is a worker's. Renewed while the worker is busy with it; when a worker is stuck or its
    /// bookkeeping failed, the item goes back to the queue once this runs out, without a restart.
    /// </summary>
    [TimeSpanRange("00:00:00.100", "1.00:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often idle workers look for due items when nobody rings (retries that came due).</summary>
    [TimeSpanRange("00:00:00.010", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// On SIGTERM, how long items already in flight may take to finish (no new ones are claimed). Keep it below the
    /// pod's terminationGracePeriodSeconds (30 s by default): what is still running after it stays in flight and is
    /// picked up at the next start.
    /// </summary>
    [TimeSpanRange("00:00:00", "00:10:00")]
    public TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Upper bound for one item's collect + classify + deliver.</summary>
    [TimeSpanRange("00:00:01", "01:00:00")]
    public TimeSpan ItemTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
