using System.CommandLine;
using Microsoft.Extensions.Options;
using Webhook.Collect;

namespace Webhook.Cli;

/// <summary>
/// Where a command finds the cluster: the same order as the service (in-cluster, KUBECONFIG, ~/.kube/config),
/// overridable per call. Shared by <c>capture</c> and <c>diagnose --namespace</c>.
/// </summary>
public sealed class ClusterCliOptions
{
    public Option<string?> Kubeconfig { get; } = new("--kubeconfig") { Description = "Kubeconfig file (default: KUBECONFIG, then ~/.kube/config).", HelpName = "FILE" };
    public Option<string?> Context { get; } = new("--context") { Description = "Kubeconfig context (default: the current one).", HelpName = "NAME" };
    public Option<string?> Server { get; } = new("--server") { Description = "Plain-HTTP API server URL without credentials, e.g. the replay server of 'demo' (tests and demos only).", HelpName = "URL" };
    public Option<string?> Prometheus { get; } = new("--prometheus") { Description = "Prometheus base URL for the memory history of an OOM-like crash (default: Prometheus__Url).", HelpName = "URL" };

    /// <summary>A person waits at the terminal: one slow call should not hold them for long.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public void AddTo(Command command)
    {
        command.Options.Add(Kubeconfig);
        command.Options.Add(Context);
        command.Options.Add(Server);
        command.Options.Add(Prometheus);
    }

    public KubernetesOptions ToOptions(ParseResult result) => new()
    {
        Kubeconfig = result.GetValue(Kubeconfig),
        Context = result.GetValue(Context),
        Server = result.GetValue(Server),
        Deadline = Timeout,
        HttpTimeout = Timeout,
    };

    /// <summary>
    /// A collector for one command run (dispose it when done), or the one line that says why there is none,
    /// naming the flags of the command line rather than the service's configuration keys.
    /// </summary>
    public (StandaloneCollector? Collector, string? Problem) TryCreateCollector(ParseResult result)
    {
        try
        {
            var collector = new StandaloneCollector(ToOptions(result));
            if (collector.Connections.Unavailable is { } why)
            {
                collector.Dispose();
                return (null, AsFlags(why));
            }
            return (collector, null);
        }
        catch (OptionsValidationException e)
        {
            return (null, AsFlags(string.Join("; ", e.Failures)));
        }
    }

    /// <summary>"Kubernetes:Kubeconfig: file 'x' does not exist." → "--kubeconfig: file 'x' does not exist."</summary>
    public static string AsFlags(string message) => message
        .Replace("Kubernetes:Kubeconfig", "--kubeconfig")
        .Replace("Kubernetes:Context", "--context")
        .Replace("Kubernetes:Server, test/demo only", "--server")
        .Replace("Kubernetes:Server", "--server");
}
