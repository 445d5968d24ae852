using System.CommandLine;

namespace Webhook.Cli;

/// <summary>The program is both the service (no arguments, or "serve") and the offline tools.</summary>
public static class CommandLine
{
    static readonly string[] ToolVerbs = ["diagnose", "capture", "replay", "requeue", "--help", "-h", "--version"];

    public static bool IsToolInvocation(string[] args) => args.Length > 0 && ToolVerbs.Contains(args[0]);

    public static Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Crash-loop webhook: explains why a Kubernetes pod keeps crashing.")
        {
            DiagnoseCommand.Create(),
            CaptureCommand.Create(),
            DemoCommand.Create(),
            RequeueCommand.Create(),
        };
        var parsed = root.Parse(args);
        // One clear line per mistake (a missing argument, an unknown option), not a help page.
        if (parsed.Errors.Count > 0 && !args.Contains("--help") && !args.Contains("-h"))
        {
            foreach (var error in parsed.Errors) Console.Error.WriteLine($"{args[0]}: {error.Message}");
            return Task.FromResult(2);
        }
        return parsed.InvokeAsync();
    }

    /// <summary>"serve" is the default verb: the service with the rest of the arguments as configuration.</summary>
    public static string[] WithoutServeVerb(string[] args) => args is ["serve", .. var rest] ? rest : args;
}
