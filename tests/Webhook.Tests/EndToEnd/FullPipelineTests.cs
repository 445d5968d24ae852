using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Webhook.Notify.Content;
using Webhook.Replay;
using Webhook.Tests.Notify;
using Webhook.Tests.Support;
using Xunit.Abstractions;

namespace Webhook.Tests.EndToEnd;

/// <summary>
/// The whole path with real parts: kube-state-metrics-style series → real Prometheus evaluating the rule from
/// deploy/ → real Alertmanager → the service → the replay Kubernetes API → classifier → a Slack Web API stand-in.
/// </summary>
public sealed class FullPipelineTests(ITestOutputHelper output)
{
    sealed record SamplePod(string Cause, string Namespace, string Name, string Uid, string Container);

    static List<SamplePod> SamplePods() =>
        Directory.GetDirectories(Repo.PathOf("tests", "samples")).Order().Select(folder =>
        {
            var pod = KubernetesJson.Deserialize<V1Pod>(File.ReadAllText(Path.Combine(folder, "pod.json")));
            var statuses = (pod.Status.ContainerStatuses ?? []).Concat(pod.Status.InitContainerStatuses ?? []);
            var container = statuses.OrderByDescending(s => s.RestartCount).First().Name;
            return new SamplePod(Path.GetFileName(folder), pod.Metadata.NamespaceProperty, pod.Metadata.Name, pod.Metadata.Uid, container);
        }).ToList();

    [Fact]
    public async Task EachCrashLoopingPodGetsOneMessageNamingItsCauseAndThenTheResolvedUpdate()
    {
        var pods = SamplePods();
        Assert.True(pods.Count >= 3);
        using var temp = TestTemp.NewFolder();
        await using var chat = await ChatStandIn.StartAsync();
        await using var replay = await ReplayServer.StartAsync(BundleStore.Discover(Repo.PathOf("tests", "samples")));
        await using var kubeStateMetrics = await KubeStateMetricsStandIn.StartAsync();
        foreach (var pod in pods) kubeStateMetrics.CrashLooping(pod.Namespace, pod.Name, pod.Container, pod.Uid);

        await using var service = ServiceProcess.Start(new Dictionary<string, string>
        {
            ["Inbox:Path"] = temp.File("inbox.db"),
            ["Auth:BearerToken"] = WebhookApp.Token,
            ["Kubernetes:Enabled"] = "true",
            ["Kubernetes:Server"] = replay.Url.ToString(),
            ["Routes:default:Slack:BotToken"] = ChatStandIn.BotToken,
            ["Routes:default:Slack:Channel"] = ChatStandIn.Channel,
            ["Routes:default:Slack:ApiBaseUrl"] = chat.SlackApiBase,
        });
        await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(30));

        await using var alertmanager = await AlertmanagerProcess.StartAsync($"""
            route:
              receiver: crashloop
              group_by: [alertname, namespace, pod]
              group_wait: 1s
              group_interval: 2s
              repeat_interval: 1h
            receivers:
              - name: crashloop
                webhook_configs:
                  - url: {service.BaseUrl}/alerts
                    send_resolved: true
                    http_config:
                      authorization:
                        credentials: {WebhookApp.Token}
            """);

        // The shipped rule, with its 15 minutes and 5-minute window shortened so the test takes seconds.
        var rules = (await File.ReadAllTextAsync(Repo.PathOf("deploy", "prometheus", "rules.yaml")))
            .Replace("for: 15m", "for: 2s").Replace("[5m]", "[4s]");
        Assert.Contains("for: 2s", rules);
        await using var prometheus = await PrometheusProcess.StartAsync($"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files: [rules.yaml]
            alerting:
              alertmanagers:
                - static_configs:
                    - targets: ['{new Uri(alertmanager.BaseUrl).Authority}']
            scrape_configs:
              - job_name: kube-state-metrics
                static_configs:
                  - targets: ['{kubeStateMetrics.HostAndPort}']
            """, new Dictionary<string, string> { ["rules.yaml"] = rules });

        List<ChatStandIn.SlackPost> TopLevelFor(SamplePod pod) => chat.SlackApiAccepted
            .Where(p => p.Method == "chat.postMessage" && p.ThreadTs is null && p.Body.ToJsonString().Contains(pod.Name)).ToList();

        try
        {
            await Eventually.TrueAsync(() => pods.All(p => TopLevelFor(p).Count > 0), TimeSpan.FromSeconds(90),
                "one Slack message per crash-looping pod");
        }
        catch (TimeoutException)
        {
            output.WriteLine(service.Output);
            throw;
        }
        // The pipeline followed the evidence (collect → classify → investigate → classify): the namespace's Services were read.
        Assert.Contains(replay.Stats.Requests, r => r.StartsWith("/api/v1/namespaces/demo/services", StringComparison.Ordinal));
        foreach (var pod in pods)
        {
            var message = TopLevelFor(pod).Single().Body.ToJsonString();
            output.WriteLine($"{pod.Cause}: {JsonNode.Parse(message)!["text"]}");
            Assert.Contains(CauseText.Words(pod.Cause), message);
        }

        foreach (var pod in pods) kubeStateMetrics.Recovered(pod.Namespace, pod.Name, pod.Container);
        try
        {
            await Eventually.TrueAsync(() => chat.SlackApiAccepted.Count(p => p.Method == "chat.update") >= pods.Count, TimeSpan.FromSeconds(90),
                "the resolved update of every message");
        }
        catch (TimeoutException)
        {
            output.WriteLine(string.Join("\n", chat.SlackApiAccepted.Select(p => $"{p.Method} ts={p.Ts} thread={p.ThreadTs} {p.Body.ToJsonString()[..Math.Min(200, p.Body.ToJsonString().Length)]}")));
            output.WriteLine(service.Output);
            output.WriteLine(alertmanager.Output[^Math.Min(4000, alertmanager.Output.Length)..]);
            throw;
        }

        using var http = new HttpClient();
        var metrics = await http.GetStringAsync($"{service.BaseUrl}/metrics");
        Assert.Contains("webhook_kubernetes_calls_total{", metrics);
        Assert.Contains("outcome=\"ok\"", metrics);
        Assert.Contains("webhook_deliveries_total{", metrics);

        var updates = chat.SlackApiAccepted.Where(p => p.Method == "chat.update").ToList();
        foreach (var pod in pods)
        {
            Assert.Single(TopLevelFor(pod));
            var original = TopLevelFor(pod).Single();
            var update = Assert.Single(updates, u => u.Ts == original.Ts);
            Assert.Contains("resolved", update.Body.ToJsonString(), StringComparison.OrdinalIgnoreCase);
        }
    }
}
