using System.CommandLine;
using k8s.Autorest;
using Webhook.Collect;

namespace Webhook.Cli;

/// <summary><c>capture --namespace NS POD OUT</c>: writes a diagnosis bundle (taxonomy.md) of a live pod.</summary>
public static class CaptureCommand
{
    public static Command Create()
    {
        var ns = new Option<string>("--namespace", "-n") { Description = "Namespace of the pod.", Required = true };
        var pod = new Argument<string>("POD") { Description = "Name of the pod." };
        var output = new Argument<string>("OUT") { Description = "Folder to write the bundle to (created if missing)." };
        var cluster = new ClusterCliOptions();
        var command = new Command("capture",
            "Write a diagnosis bundle of a live pod (literal env values redacted). Reproduce the diagnosis with " +
            "'diagnose BUNDLE', or attach it to a bug report. OUT is created if missing.\n\n" +
            "Example:\n" +
            $"  {CommandLine.ProgramName} capture --namespace shop api-0 ./bundles/api-0")
            { ns, pod, output };
        cluster.AddTo(command);
        command.SetAction((result, ct) => RunAsync(result.GetValue(ns)!, result.GetValue(pod)!, result.GetValue(output)!, cluster, result, ct));
        return command;
    }

    static async Task<int> RunAsync(string ns, string pod, string output, ClusterCliOptions cluster, ParseResult result, CancellationToken ct)
    {
        if (!KubernetesNames.IsDnsLabel(ns) || !KubernetesNames.IsDnsSubdomain(pod))
        {
            Console.Error.WriteLine($"capture: '{ns}/{pod}' is not a valid namespace/pod name.");
            return CommandLine.UsageError;
        }
        try
        {
            Directory.CreateDirectory(output);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"capture: cannot create the folder '{output}': {e.Message}");
            return CommandLine.RuntimeError;
        }
        var (collector, problem) = cluster.TryCreateCollector(result);
        if (collector is null || collector.Connections.Resolve(null) is not { Api: { } api })
        {
            Console.Error.WriteLine($"capture: {problem ?? collector?.Connections.Unavailable}");
            collector?.Dispose();
            return CommandLine.RuntimeError;
        }
        using var _ = collector;
        try
        {
            var capture = await new BundleCapture(api, collector.Options.Logs).WriteAsync(ns, pod, output, ct);
            foreach (var file in capture.Files)
                Console.WriteLine(Path.Combine(output, file));
            foreach (var gap in capture.Gaps)
                Console.Error.WriteLine($"capture: not captured: {gap}");
            return 0;
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException or OperationCanceledException)
        {
            Console.Error.WriteLine($"capture: {ApiGaps.Describe($"pod {ns}/{pod}", e, deadline: null)}");
            return CommandLine.RuntimeError;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"capture: cannot write to '{output}': {e.Message}");
            return CommandLine.RuntimeError;
        }
    }
}
