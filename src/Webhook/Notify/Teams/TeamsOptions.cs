namespace Webhook.Notify.Teams;

/// <summary>Routes:{name}:Teams. The workflow URL carries its credential (sig=): never logged.</summary>
public sealed class TeamsOptions
{
    public string? WorkflowUrl { get; set; }
}
