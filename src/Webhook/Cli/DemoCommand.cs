using System.CommandLine;
using Webhook.Replay;

namespace Webhook.Cli;

/// <summary>
/// <c>replay [--samples DIR]</c>: serves the sample bundles shipped in the repo (tests/samples) over the
/// Kubernetes API on loopback, so the service can be tried with no cluster: point it at the printed URL
/// with <c>Kubernetes__Server</c>. A tool for demos; the service never needs it.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var samples = new Option<string?>("--samples") { Description = "Folder of bundles to serve (default: tests/samples of this repository)." };
        var command = new Command("replay", "Serve the sample bundles as a Kubernetes API on 127.0.0.1 and print its URL ('demo' also runs the service against it).") { samples };
        command.SetAction(async (result, ct) =>
        {
            var folder = result.GetValue(samples) ?? FindSamples();
            if (folder is null || !Directory.Exists(folder))
            {
                Console.Error.WriteLine("replay: no sample bundles found; pass --samples DIR (a folder of bundles, see tests/samples/README.md).");
                return 2;
            }
            await using var server = await StartReplayAsync(folder, ct);
            PrintInstructions(server, folder);
            try
            {
                await Task.Delay(Timeout.Infinite, ct); // until Ctrl+C
            }
            catch (OperationCanceledException)
            {
            }
            return 0;
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

    static void PrintInstructions(ReplayServer server, string folder)
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
