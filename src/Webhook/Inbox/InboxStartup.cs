namespace Webhook.Inbox;

/// <summary>Opens the inbox when the host starts (a no-op when start-up validation already did) and closes it last.</summary>
public sealed class InboxStartup(SqliteInbox inbox) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => inbox.InitializeAsync(cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken) => await inbox.DisposeAsync();
}
