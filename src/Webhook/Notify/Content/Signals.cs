namespace Webhook.Notify.Content;

/// <summary>Exit code 128+N means the process died on signal N.</summary>
public static class Signals
{
    private static readonly Dictionary<int, string> Names = new()
    {
        [1] = "SIGHUP", [2] = "SIGINT", [3] = "SIGQUIT", [4] = "SIGILL", [6] = "SIGABRT", [7] = "SIGBUS",
        [8] = "SIGFPE", [9] = "SIGKILL", [11] = "SIGSEGV", [13] = "SIGPIPE", [15] = "SIGTERM",
    };

    public static string? FromExitCode(int? exitCode) =>
        exitCode is > 128 and < 160 && Names.TryGetValue(exitCode.Value - 128, out var name) ? name : null;

    public static string Describe(int exitCode, string? signal)
    {
        signal ??= FromExitCode(exitCode);
        return signal is null ? exitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{exitCode} ({signal})";
    }
}
