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
        var inbox = app.Services.GetRequiredService<SqliteInbox>();
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
}
