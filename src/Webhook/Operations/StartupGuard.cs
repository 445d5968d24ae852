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
    }
}
