namespace Webhook.Notify.Teams;

public static class TeamsLimits
{
    // https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using :
    // "The message size limit is 28 KB"; we aim lower so headers and encoding differences never tip it over.
    public const int MaxMessageBytes = 28 * 1024;
    public const int TargetMessageBytes = 24 * 1024;
    // https://learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit : more than 4 requests a second is throttled.
    public const int RequestsPerSecond = 4;
}
