using System.CommandLine;
using Webhook.Replay;

namespace Webhook.Cli;

/// <summary>
/// <c>demo</c>: the service against the sample bundles of tests/samples, served by the replay Kubernetes API on
/// loopback (without fault injection), with one sample alert per pod posted to itself (Demo/DemoMode.cs).
/// </summary>
public static class DemoCommand
{
    public static Command Create(ServeHandler? serve)
    {
        var samples = new Option<string?>("--samples") { Description = "Folder of bundles to serve (default: tests/samples of this repository).", HelpName = "DIR" };
        var command = new Command("demo",
            "Run the service against the sample bundles, with no cluster: the replay Kubernetes API serves them on " +
            "127.0.0.1 and one alert per sample pod is posted to the service, so diagnoses appear in the console. " +
            "Stops on Ctrl+C or SIGTERM.\n\n" +
            "Example:\n" +
            $"  {CommandLine.ProgramName} demo --urls http://127.0.0.1:5080") { samples };
        ServeCommand.AddOptions(command);
        command.SetAction(async (result, ct) =>
        {
            var folder = result.GetValue(samples) ?? FindSamples();
            if (folder is null || !Directory.Exists(folder))
            {
                Console.Error.WriteLine(folder is null
                    ? "demo: tests/samples not found; run it from the repository or pass --samples DIR."
                    : $"demo: --samples: folder '{folder}' does not exist.");
                return CommandLine.UsageError;
            }
            await using var replay = await StartReplayAsync(folder, ct);
            Console.WriteLine($"demo: replay Kubernetes API on {replay.Url} serving {folder}");
            string[] configuration = [.. ServeCommand.ConfigurationArgs(result), $"--Kubernetes:Server={replay.Url}",
                // The replay server also answers Prometheus' query_range from the samples' metrics/ (memory history).
                $"--Prometheus:Url={replay.Url}", "--Demo:PostSamples=true"];
            return serve is null ? 0 : await serve(configuration, replay);
        });
        return command;
    }

    /// <summary>Starts the replay server over every bundle under <paramref name="samplesFolder"/>.</summary>
    public static Task<ReplayServer> StartReplayAsync(string samplesFolder, CancellationToken ct = default) =>
        ReplayServer.StartAsync(BundleStore.Discover(samplesFolder), ct);

    /// <summary>tests/samples of the checkout this program runs from, looked up from the working and the program's folder.</summary>
    public static string? FindSamples()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (Directory.Exists(Path.Combine(dir.FullName, "tests", "samples")))
                    return Path.Combine(dir.FullName, "tests", "samples");
        return null;
    }
}
