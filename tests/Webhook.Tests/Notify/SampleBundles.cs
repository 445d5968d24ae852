using Webhook.Cli;
using Webhook.Collect;
using Webhook.Diagnosis;

namespace Webhook.Tests.Notify;

/// <summary>
/// The shipped sample bundles (tests/samples), collected by the real collector from the replay server, so the
/// renderers also see real pod objects, events, owner chains and logs. The diagnosis is the bundle's own cause
/// (its folder name) quoting the log's last line: a stand-in until the classifier is wired here.
/// </summary>
public static class SampleBundles
{
    private static readonly (string Folder, string Pod)[] Known =
    [
        ("oom-killed", "checkout-6f7d8c9b5-x2x7k"),
        ("config-error", "orders-api-7c9d5b6f4-qwe7r"),
        ("probe-failure", "search-5b8f7d6c4-lmn3p"),
    ];

    public static async Task<IReadOnlyList<(string Name, Notification Notification)>> LoadAsync()
    {
        var folder = DemoCommand.FindSamples();
        if (folder is null) return [];
        await using var server = await DemoCommand.StartReplayAsync(folder);
        using var collector = new StandaloneCollector(new KubernetesOptions { Server = server.Url.ToString() });
        var result = new List<(string, Notification)>();
        foreach (var (cause, pod) in Known.Where(k => Directory.Exists(Path.Combine(folder, k.Folder))))
        {
            var alert = StandaloneCollector.ManualAlert("demo", pod) with
            {
                ExternalUrl = "http://alertmanager.monitoring:9093",
                GeneratorUrl = "http://prometheus.monitoring:9090/graph?g0.expr=kube_pod_container_status_waiting_reason",
            };
            var snapshot = await collector.CollectAsync(alert, CancellationToken.None);
            var last = snapshot.PreviousLog?.Text.TrimEnd().Split('\n')[^1] ?? "";
            var diagnosis = new CrashDiagnosis
            {
                Cause = cause, Confidence = 0.9, Summary = $"Sample bundle {cause}.", Container = snapshot.Container,
                Evidence = [new Evidence("log", last)], Remediation = ["See tests/samples/README.md"],
            };
            result.Add(($"sample-{cause}", new Notification(alert, snapshot, diagnosis, $"sample-{cause}")));
        }
        return result;
    }
}
