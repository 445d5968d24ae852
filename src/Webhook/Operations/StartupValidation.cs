using Microsoft.Extensions.Options;
using Webhook.Inbox;
using Webhook.Notify;

namespace Webhook.Operations;

public static class StartupValidation
{
    /// <summary>
    /// Checks every option, builds the destinations and opens the inbox before the host starts, so a bad setting
    /// ends the process with one line (StartupGuard) instead of the host's stack-trace log.
    /// </summary>
    public static async Task ValidateConfigurationAsync(this WebApplication app)
    {
        app.Lifetime.ApplicationStarted.Register(() => StartupGuard.HostIsStarting = false);
        // Before any options are bound: unknown keys fail, one-value list keys are split at commas.
        ConfigurationKeys.Check(app.Configuration);
        app.Services.GetService<IStartupValidator>()?.Validate();
        _ = app.Services.GetRequiredService<DestinationRegistry>();
        var store = app.Services.GetRequiredService<IInboxStore>();
        if (store is PostgresInbox postgres)
        {
            await OpenPostgresAsync(app, postgres);
            return;
        }
        var inbox = (SqliteInbox)store;
        try
        {
            await inbox.InitializeAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException)
        {
            throw new OptionsValidationException(InboxOptions.Section, typeof(InboxOptions),
                [$"Inbox:Path: cannot open '{inbox.FullPath}': {ex.Message}"]);
        }
    }

    /// <summary>
    /// A database that refuses these credentials or has no such database is a setting to fix: one line, exit.
    /// One that does not answer (down, restarting, not created yet by its operator) is waited for: the service
    /// starts not ready, so a rollout does not crash-loop while PostgreSQL comes up.
    /// </summary>
    static async Task OpenPostgresAsync(WebApplication app, PostgresInbox inbox)
    {
        try
        {
            await inbox.InitializeAsync(CancellationToken.None);
        }
        catch (InboxUnavailableException ex)
        {
            InboxStartup.LogWaitingForDatabase(app.Services.GetRequiredService<ILogger<InboxStartup>>(), ex.Message);
        }
        catch (Npgsql.PostgresException ex) when (ex.SqlState is "28P01" or "28000" or "3D000" or "42501")
        {
            throw new OptionsValidationException(InboxOptions.Section, typeof(InboxOptions),
                [$"Inbox:ConnectionString: the database refused the inbox: {ex.MessageText}"]);
        }
    }
}
