using System.CommandLine;

namespace Webhook.Cli;

/// <summary>
/// <c>replay [--samples DIR]</c>: serves a folder of bundles over the Kubernetes API on loopback until Ctrl+C or
/// SIGTERM, so <c>capture --server</c> or the service (<c>Kubernetes__Server</c>) can be tried with no cluster.
/// A tool for demos and tests; the service never needs it.
/// </summary>
public static class ReplayCommand
{
    public static Command Create()
    {
        var samples = new Option<string?>("--samples") { Description = "Folder of bundles to serve (default: tests/samples of this repository).", HelpName = "DIR" };
        var command = new Command("replay",
            "Serve a folder of bundles as a Kubernetes API on 127.0.0.1. It prints its URL and runs until Ctrl+C or " +
            "SIGTERM ('demo' also runs the service against it).\n\n" +
            "Example:\n" +
            $"  {CommandLine.ProgramName} replay --samples tests/samples") { samples };
        command.SetAction(async (result, ct) =>
        {
            var folder = result.GetValue(samples) ?? DemoCommand.FindSamples();
            if (folder is null || !Directory.Exists(folder))
            {
                Console.Error.WriteLine(folder is null
                    ? "replay: no sample bundles found; pass --samples DIR (a folder of bundles, see tests/samples/README.md)."
                    : $"replay: --samples: folder '{folder}' does not exist.");
                return CommandLine.UsageError;
            }
            using var signals = new Signals(ct);
            await using var server = await DemoCommand.StartReplayAsync(folder, signals.Token);
            PrintInstructions(server, folder);
            try
            {
                await Task.Delay(Timeout.Infinite, signals.Token);
            }
            catch (OperationCanceledException)
            {
            }
            Console.WriteLine("replay: stopped.");
            return 0;
        });
        return command;
    }

    static void PrintInstructions(Webhook.Replay.ReplayServer server, string folder)
    {
        Console.WriteLine($"Replay Kubernetes API: {server.Url}  (bundles from {folder})");
        foreach (var (ns, pod) in server.Store.PodNames.Order())
            Console.WriteLine($"  pod {ns}/{pod}");
        Console.WriteLine();
        Console.WriteLine("Point the service at it (another terminal):");
        Console.WriteLine($"  Kubernetes__Server={server.Url} dotnet run --project src/Webhook");
        Console.WriteLine("Or capture a bundle back from it:");
        var (firstNs, firstPod) = server.Store.PodNames.Order().FirstOrDefault();
        Console.WriteLine($"  dotnet run --project src/Webhook -- capture --server {server.Url} -n {firstNs} {firstPod} /tmp/bundle");
        Console.WriteLine("Ctrl+C stops it.");
    }
}
