using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Reflection;

namespace Webhook.Cli;

/// <summary>How <c>serve</c> and <c>demo</c> start the service: the configuration arguments, and the replay server of the demo.</summary>
public delegate Task<int> ServeHandler(string[] configurationArgs, Webhook.Replay.ReplayServer? replay);

/// <summary>
/// The program is both the service (no arguments, or <c>serve</c>) and the offline tools. Every verb is parsed here:
/// help never starts anything, a usage mistake is one line and exit code 2, a runtime failure one line and exit code 1.
/// </summary>
public static class CommandLine
{
    /// <summary>Exit code of a usage mistake: an unknown verb or option, a missing or malformed argument, a bad setting.</summary>
    public const int UsageError = 2;
    /// <summary>Exit code of a runtime failure: the cluster is unreachable, the pod does not exist, a file cannot be written.</summary>
    public const int RuntimeError = 1;

    public static async Task<int> RunAsync(string[] args, ServeHandler? serve = null)
    {
        var root = CreateRoot(serve);
        var parsed = root.Parse(args);
        // One clear line per mistake (a missing argument, an unknown verb or option), not a help page.
        if (parsed.Action is not (HelpAction or RootHelp) && (parsed.Errors.Count > 0 || ServeCommand.UnknownToken(parsed) is not null))
        {
            var name = parsed.CommandResult.Command == root ? ProgramName : parsed.CommandResult.Command.Name;
            var message = parsed.Errors.Count > 0 ? parsed.Errors[0].Message
                : ServeCommand.UnknownToken(parsed) is ['-', ..] option ? $"unknown option '{option}'"
                : $"unknown command or argument '{ServeCommand.UnknownToken(parsed)}'";
            Console.Error.WriteLine($"{name}: {Lower(message)} (see '{ProgramName} {(parsed.CommandResult.Command == root ? "" : name + " ")}--help')");
            return UsageError;
        }
        // The service stops on SIGTERM/Ctrl+C through the host, the tools through Signals: System.CommandLine's own
        // handler would end the process two seconds after the signal, in the middle of a graceful shutdown.
        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false });
        }
        // WebApplicationFactory stops the program after it has the host: not a failure of ours.
        catch (Exception e) when (e.GetType().Name != "HostAbortedException")
        {
            Console.Error.WriteLine($"{ProgramName}: {e.GetType().Name}: {e.Message}");
            return RuntimeError;
        }
    }

    static RootCommand CreateRoot(ServeHandler? serve)
    {
        var root = new RootCommand(
            "Crash-loop webhook: explains why a Kubernetes pod keeps crashing, and posts it to Slack, Teams or a webhook.\n" +
            "Without a command it runs the service ('serve').\n\n" +
            "Examples:\n" +
            $"  {ProgramName}                                  the service on http://localhost:5000\n" +
            $"  {ProgramName} demo                             the service against the sample bundles, no cluster needed\n" +
            $"  {ProgramName} diagnose --namespace shop api-0  why pod shop/api-0 keeps crashing (current kubeconfig)");
        // The root runs the service, so it takes serve's options too.
        ServeCommand.Configure(root, serve);
        root.Subcommands.Add(ServeCommand.Create(serve));
        root.Subcommands.Add(DemoCommand.Create(serve));
        root.Subcommands.Add(DiagnoseCommand.Create());
        root.Subcommands.Add(CaptureCommand.Create());
        root.Subcommands.Add(ReplayCommand.Create());
        root.Subcommands.Add(RequeueCommand.Create());
        root.Subcommands.Add(CreateVersion());
        root.Subcommands.Add(CreateHelp(root));
        ShortenCommandList(root);
        return root;
    }

    /// <summary>The root's help lists each command by its first sentence; "COMMAND --help" has the rest and the example.</summary>
    static void ShortenCommandList(RootCommand root)
    {
        if (root.Options.OfType<HelpOption>().FirstOrDefault() is { Action: HelpAction inner } option)
            option.Action = new RootHelp(root, inner);
    }

    sealed class RootHelp(RootCommand root, HelpAction inner) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult result)
        {
            if (result.CommandResult.Command != root) return inner.Invoke(result);
            var output = result.InvocationConfiguration.Output;
            output.WriteLine(root.Description);
            output.WriteLine();
            output.WriteLine($"Usage: {ProgramName} [COMMAND] [options]");
            output.WriteLine();
            output.WriteLine("Commands:");
            foreach (var command in root.Subcommands)
                output.WriteLine($"  {command.Name,-10} {FirstSentence(command.Description)}");
            output.WriteLine();
            output.WriteLine("Options:");
            output.WriteLine("  --urls URLS     addresses to listen on (serve); configuration keys as --Section:Key=value");
            output.WriteLine("  -h, --help      this help; COMMAND --help explains a command, with an example");
            output.WriteLine("  --version       the version");
            return 0;
        }

        static string FirstSentence(string? description) =>
            (description ?? "").Split('\n')[0].Split(". ", 2)[0].Split(": ", 2)[0].TrimEnd('.') + ".";
    }

    static Command CreateVersion()
    {
        var command = new Command("version", $"Print the version (the container image's tag).\n\nExample:\n  {ProgramName} version");
        command.SetAction(result => { result.InvocationConfiguration.Output.WriteLine(Version); return 0; });
        return command;
    }

    static Command CreateHelp(RootCommand root)
    {
        var topic = new Argument<string?>("COMMAND") { Description = "The command to explain.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("help", $"Show help for the program or one command.\n\nExample:\n  {ProgramName} help diagnose") { topic };
        command.SetAction(result => root.Parse([.. result.GetValue(topic) is { } verb ? new[] { verb } : [], "--help"]).Invoke());
        return command;
    }

    /// <summary>The version of this build without the source revision: the same string as the image tag (Directory.Build.props).</summary>
    public static string Version { get; } =
        (typeof(CommandLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0").Split('+')[0];

    public static string ProgramName => "Webhook";

    static string Lower(string message) => message.Length > 1 && char.IsUpper(message[0]) && !char.IsUpper(message[1])
        ? char.ToLowerInvariant(message[0]) + message[1..].TrimEnd('.')
        : message.TrimEnd('.');
}
