namespace Webhook.Inbox;

/// <summary>Opens the inbox before anything else starts, so a bad Inbox:Path stops the process at once.</summary>
public sealed class InboxStartup(SqliteInbox inbox) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await inbox.InitializeAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException)
        {
            throw new Microsoft.Extensions.Options.OptionsValidationException(InboxOptions.Section,
                typeof(InboxOptions), [$"Inbox:Path: cannot open '{inbox.FullPath}': {ex.Message}"]);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await inbox.DisposeAsync();
}
