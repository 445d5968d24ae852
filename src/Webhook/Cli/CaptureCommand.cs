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
            using var memory = MemoryHistoryCli.Create(result.GetValue(cluster.Prometheus), collector);
            var capture = await new BundleCapture(api, collector.Options.Logs).WriteAsync(ns, pod, output, ct);
            var (memoryFiles, memoryGaps) = await memory.CaptureAsync(output, ct);
            // The answers to the follow-up questions a live diagnosis asks, so `diagnose OUT` concludes the same.
            var followed = await collector.CollectAndFollowUpAsync(ns, pod, null, new Webhook.Diagnosis.CrashClassifier(), ct);
            var files = capture.Files.Concat(memoryFiles).Concat(BundleCapture.WriteObjects(output, followed.Objects)).ToList();
            foreach (var gap in followed.Gaps.Where(g => g.StartsWith("follow-up", StringComparison.Ordinal)))
                Console.Error.WriteLine($"capture: not captured: {gap}");
            foreach (var file in files)
                Console.WriteLine(Path.Combine(output, file));
            foreach (var gap in capture.Gaps.Concat(memoryGaps))
                Console.Error.WriteLine($"capture: not captured: {gap}");
            return 0;
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException e)
        {
            Console.Error.WriteLine($"capture: {string.Join("; ", e.Failures)}");
            return CommandLine.UsageError;
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
