using System.ComponentModel.DataAnnotations;

namespace Webhook.Pipeline;

public sealed class PipelineOptions
{
    public const string Section = "Pipeline";

    /// <summary>Off only for load tests of the intake alone.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Items worked on at once.</summary>
    [Range(1, 256)]
    public int Workers { get; set; } = 4;

    /// <summary>Attempts before an item is dead-lettered.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 6;

    /// <summary>First retry delay; doubles per attempt with jitter, up to <see cref="MaxBackoff"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan BaseBackoff { get; set; } = TimeSpan.FromSeconds(2);

    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The slow pace at which dead-lettered items are tried again.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan DeadLetterRetryInterval { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How often idle workers look for due items when nobody rings (retries that came due).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Upper bound for one item's collect + classify + deliver.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ItemTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
