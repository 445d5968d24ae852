using System.CommandLine;
using System.Text.Json;
using Webhook.Bundles;
using Webhook.Collect;
using Webhook.Diagnosis;

namespace Webhook.Cli;

/// <summary><c>diagnose BUNDLE [--container C] [--output text|json]</c>: classify a captured bundle offline.</summary>
public static class DiagnoseCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("bundle") { Description = "Bundle folder (pod.json, events.json, logs/); with --namespace, the pod name" };
        var container = new Option<string?>("--container", "-c") { Description = "Container to diagnose (default: the one with most restarts)" };
        // Checked in the action rather than with AcceptOnlyFromAmong, so a wrong value is one error line, not a help page.
        var output = new Option<string>("--output", "-o") { Description = "text or json", HelpName = "text|json", DefaultValueFactory = _ => "text" };
        // Live mode: --namespace NS POD collects from the current kubeconfig (or --kubeconfig/--context/--server).
        var ns = new Option<string?>("--namespace", "-n") { Description = "Live mode: diagnose POD in this namespace of the current cluster" };

        var command = new Command("diagnose",
            "Explain why a container keeps crashing, from a captured bundle or a live pod.\n\n" +
            "Examples:\n" +
            $"  {CommandLine.ProgramName} diagnose ./bundle -o json          a bundle written by 'capture'\n" +
            $"  {CommandLine.ProgramName} diagnose --namespace shop api-0     a live pod, from the current kubeconfig")
            { target, container, output, ns };
        var cluster = new ClusterCliOptions();
        cluster.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var format = parse.GetValue(output) ?? "text";
            if (parse.GetValue(ns) is not { } namespaceName)
                return Run(parse.GetValue(target)!, parse.GetValue(container), format, stdout, stderr);
            if (format is not ("text" or "json"))
            {
                stderr.WriteLine($"diagnose: --output must be text or json, not '{format}'");
                return CommandLine.UsageError;
            }
            var podName = parse.GetValue(target)!;
            if (!KubernetesNames.IsDnsLabel(namespaceName) || !KubernetesNames.IsDnsSubdomain(podName))
            {
                stderr.WriteLine($"diagnose: '{namespaceName}/{podName}' is not a valid namespace/pod name.");
                return CommandLine.UsageError;
            }
            var (collector, problem) = cluster.TryCreateCollector(parse);
            if (collector is null)
            {
                stderr.WriteLine($"diagnose: {problem}");
                return CommandLine.RuntimeError;
            }
            using var _ = collector;
            var classifier = new CrashClassifier();
            var snapshot = await collector.CollectAndFollowUpAsync(namespaceName, podName, parse.GetValue(container), classifier, cancellationToken);
            // Without the pod there is nothing to diagnose: say why (not found, forbidden, unreachable) instead of "unknown".
            if (snapshot.Pod is null)
            {
                var why = snapshot.Gaps.FirstOrDefault(g => g.StartsWith("pod", StringComparison.Ordinal)) ?? snapshot.Gaps.FirstOrDefault() ?? "not found";
                stderr.WriteLine($"diagnose: pod {namespaceName}/{podName}: {ClusterCliOptions.AsFlags(why)}");
                return CommandLine.RuntimeError;
            }
            try
            {
                using var memory = MemoryHistoryCli.Create(parse.GetValue(cluster.Prometheus), collector);
                snapshot = await memory.EnrichAsync(snapshot, cancellationToken);
            }
            catch (Microsoft.Extensions.Options.OptionsValidationException e)
            {
                stderr.WriteLine($"diagnose: {string.Join("; ", e.Failures)}");
                return CommandLine.UsageError;
            }
            Write(classifier.Classify(snapshot), format, stdout, snapshot);
            return 0;
        });
        return command;
    }

    static void Write(CrashDiagnosis diagnosis, string output, TextWriter stdout, PodSnapshot? snapshot = null)
    {
        if (output == "json")
            stdout.WriteLine(JsonSerializer.Serialize(diagnosis, DiagnosisJson.Readable.CrashDiagnosis));
        else
            DiagnosisText.Write(diagnosis, stdout, snapshot);
    }

    public static int Run(string bundle, string? container, string output, TextWriter stdout, TextWriter stderr)
    {
        if (output is not ("text" or "json"))
        {
            stderr.WriteLine($"diagnose: --output must be text or json, not '{output}'");
            return CommandLine.UsageError;
        }
        try
        {
            var snapshot = BundleReader.Read(bundle, container);
            Write(new CrashClassifier().Classify(snapshot), output, stdout, snapshot);
            return 0;
        }
        catch (BundleException e)
        {
            stderr.WriteLine($"diagnose: {e.Message}");
            return 1;
        }
        catch (IOException e)
        {
            stderr.WriteLine($"diagnose: cannot read {bundle}: {e.Message}");
            return 1;
        }
        catch (UnauthorizedAccessException e)
        {
            stderr.WriteLine($"diagnose: cannot read {bundle}: {e.Message}");
            return 1;
        }
    }
}
