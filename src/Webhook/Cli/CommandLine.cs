using System.CommandLine;

namespace Webhook.Cli;

/// <summary>The program is both the service (no arguments, or "serve") and the offline tools.</summary>
public static class CommandLine
{
    static readonly string[] ToolVerbs = ["diagnose", "capture", "replay", "--help", "-h", "--version"];

    public static bool IsToolInvocation(string[] args) => args.Length > 0 && ToolVerbs.Contains(args[0]);

    public static Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Crash-loop webhook: explains why a Kubernetes pod keeps crashing.")
        {
            DiagnoseCommand.Create(),
            CaptureCommand.Create(),
            DemoCommand.Create(),
        };
        return root.Parse(args).InvokeAsync();
    }
}
