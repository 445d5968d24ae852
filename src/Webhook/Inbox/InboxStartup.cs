namespace Webhook.Inbox;

/// <summary>
/// Opens the inbox when the host starts (a no-op when start-up validation already did) and closes it last. A
/// PostgreSQL inbox whose database is not reachable yet does not stop the start: /readyz says not ready, the intake
/// answers 503, and the store opens itself once the database answers.
/// </summary>
public sealed partial class InboxStartup(IInboxStore inbox) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await inbox.InitializeAsync(cancellationToken);
        }
        catch (InboxUnavailableException) when (inbox is PostgresInbox)
        {
            // Already said at start-up validation; the claims say it again should it last.
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (inbox is IAsyncDisposable disposable) await disposable.DisposeAsync();
    }

    [LoggerMessage(EventId = 231, Level = LogLevel.Warning, Message = "Inbox: {Reason}; not ready until the database answers")]
    internal static partial void LogWaitingForDatabase(ILogger logger, string reason);
}
