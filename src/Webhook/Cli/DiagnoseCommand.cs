using System.CommandLine;
using System.Text.Json;
using Webhook.Bundles;
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
        // LIVE MODE: --namespace NS POD diagnoses against the current kubeconfig; the lead wires it to IPodCollector.
        var ns = new Option<string?>("--namespace", "-n") { Description = "Live mode: diagnose POD in this namespace of the current cluster" };

        var command = new Command("diagnose", "Explain why a container keeps crashing, from a captured bundle.") { target, container, output, ns };
        command.SetAction(parse =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            if (parse.GetValue(ns) is { } namespaceName)
            {
                stderr.WriteLine($"diagnose: live mode (--namespace {namespaceName}) needs the collector, which is not wired yet; capture a bundle and pass its folder");
                return 2;
            }
            return Run(parse.GetValue(target)!, parse.GetValue(container), parse.GetValue(output) ?? "text", stdout, stderr);
        });
        return command;
    }

    public static int Run(string bundle, string? container, string output, TextWriter stdout, TextWriter stderr)
    {
        if (output is not ("text" or "json"))
        {
            stderr.WriteLine($"diagnose: --output must be text or json, not '{output}'");
            return 1;
        }
        try
        {
            var snapshot = BundleReader.Read(bundle, container);
            var diagnosis = new CrashClassifier().Classify(snapshot);
            if (output == "json")
                stdout.WriteLine(JsonSerializer.Serialize(diagnosis, DiagnosisJson.Readable.CrashDiagnosis));
            else
                DiagnosisText.Write(diagnosis, stdout);
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
