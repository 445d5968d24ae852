using System.CommandLine;
using Webhook.Collect;

namespace Webhook.Cli;

/// <summary>
/// Where a command finds the cluster: the same order as the service (in-cluster, KUBECONFIG, ~/.kube/config),
/// overridable per call. Shared by <c>capture</c> and <c>diagnose --namespace</c>.
/// </summary>
public sealed class ClusterCliOptions
{
    public Option<string?> Kubeconfig { get; } = new("--kubeconfig") { Description = "Kubeconfig file (default: KUBECONFIG, then ~/.kube/config)." };
    public Option<string?> Context { get; } = new("--context") { Description = "Kubeconfig context (default: the current one)." };
    public Option<string?> Server { get; } = new("--server") { Description = "Plain-HTTP API server URL without credentials, e.g. the replay server of 'demo' (tests and demos only)." };
    public Option<string?> Prometheus { get; } = new("--prometheus") { Description = "Prometheus base URL for the memory history of an OOM-like crash (default: Prometheus__Url)." };

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

    /// <summary>A collector for one command run; dispose it when done.</summary>
    public StandaloneCollector CreateCollector(ParseResult result) => new(ToOptions(result));
}
