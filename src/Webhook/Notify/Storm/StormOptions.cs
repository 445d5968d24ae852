using System.ComponentModel.DataAnnotations;

namespace Webhook.Notify.Storm;

/// <summary>When many pods crash loop at once, chats get one digest instead of a message per pod (section "Storm").</summary>
public sealed class StormOptions
{
    public const string Section = "Storm";

    /// <summary>More pods than this in one Alertmanager group, or within <see cref="Window"/>, make a storm.</summary>
    [Range(1, 100_000)] public int Threshold { get; set; } = 10;
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(2);
    /// <summary>A digest is posted this long after its latest pod arrived...</summary>
    public TimeSpan Settle { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>...or this long after its first, whichever comes first, or as soon as the whole group is in.</summary>
    public TimeSpan MaxHold { get; set; } = TimeSpan.FromSeconds(60);
    /// <summary>A digest the chat did not take is tried again after this, doubling up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(30);
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(10);
    /// <summary>A digest still not accepted this long after it was due is given up (logged as refused), like an
    /// inbox item past its maximum age: retries are bounded.</summary>
    public TimeSpan MaxRetryAge { get; set; } = TimeSpan.FromHours(24);
    /// <summary>On a shared store (PostgreSQL): how long a replica's next call to the store waits for the pods of its
    /// other workers (no longer once each worker's pod waits), so one round trip and one commit carry several; zero:
    /// every call goes at once with the pods waiting then.</summary>
    public TimeSpan OfferLinger { get; set; } = TimeSpan.FromMilliseconds(10);
    /// <summary>With a Slack bot token: pods that get a diagnosis of their own in the digest's thread; the rest are
    /// named in one more reply (each reply is a post at the channel's pace of about one a second).</summary>
    [Range(0, 1000)] public int MaxThreadReplies { get; set; } = 20;
}
