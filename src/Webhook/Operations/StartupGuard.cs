using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace Webhook.Operations;

/// <summary>A bad setting stops the process with one clear line naming the key, not a stack trace.</summary>
public static class StartupGuard
{
    public static async Task<int> RunAsync(Func<Task> run)
    {
        try
        {
            await run();
            return 0;
        }
        catch (OptionsValidationException ex)
        {
            foreach (var failure in ex.Failures.Distinct())
                System.Console.Error.WriteLine($"Configuration error: {failure}");
            return 2;
        }
        catch (InvalidOperationException ex) when (ex.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal))
        {
            System.Console.Error.WriteLine($"Configuration error: {ex.Message}");
            return 2;
        }
        // Kestrel: "Failed to bind to address http://127.0.0.1:5000: address already in use."
        catch (IOException ex) when (ex.Message.StartsWith("Failed to bind to address", StringComparison.Ordinal))
        {
            var what = ex.InnerException is AddressInUseException ? "is already in use" : $"cannot be listened on ({ex.InnerException?.Message ?? ex.Message})";
            var address = ex.Message["Failed to bind to address ".Length..].Split(": ")[0];
            System.Console.Error.WriteLine(
                $"serve: {address} {what}; choose another address with --urls, ASPNETCORE_URLS or Kestrel:Endpoints");
            return 2;
        }
    }

    /// <summary>
    /// Hides the host's and Kestrel's stack-trace logs of a failed start (a busy port), which <see cref="RunAsync"/>
    /// reports in one line. Other errors of the host (a background service that fails) are still logged.
    /// </summary>
    public static ILoggingBuilder AddStartupGuard(this ILoggingBuilder logging) =>
        logging
            .AddFilter("Microsoft.AspNetCore.Server.Kestrel", level => level is >= LogLevel.Warning and < LogLevel.Critical)
            .AddFilter("Microsoft.Extensions.Hosting.Internal.Host", level => level >= LogLevel.Information && (level < LogLevel.Error || !HostIsStarting));

    /// <summary>True until the host has started: the host's errors before that are start failures.</summary>
    public static bool HostIsStarting { get; set; } = true;
}
