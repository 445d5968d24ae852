namespace Webhook.Notify.Slack;

/// <summary>How long the Slack Web API bookkeeping lives (section "Slack", for every route with a bot token).</summary>
public sealed class SlackStoreOptions
{
    public const string Section = "Slack";

    /// <summary>An incident still open after this gets no more replies (the next alert opens a new message) and is deleted.</summary>
    public TimeSpan IncidentMaxAge { get; set; } = TimeSpan.FromDays(7);
    /// <summary>Resolved incidents are kept this long, for a late recovery or re-fire to find.</summary>
    public TimeSpan ResolvedRetention { get; set; } = TimeSpan.FromDays(30);
    /// <summary>Per-alert step and attempt marks; longer than any item can stay in the inbox.</summary>
    public TimeSpan StepRetention { get; set; } = TimeSpan.FromDays(14);
}
