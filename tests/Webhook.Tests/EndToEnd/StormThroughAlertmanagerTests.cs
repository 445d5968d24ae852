using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Webhook.Tests.Notify;
using Webhook.Tests.Support;
using Xunit.Abstractions;

namespace Webhook.Tests.EndToEnd;

/// <summary>
/// The storm of issue 13, end to end: 2,000 crash-looping pods in 8 namespaces go through the real Alertmanager
/// (group_by namespace) into the service process as shipped, whose route sends them to a Slack incoming webhook
/// that holds to Slack's pace (about one message per second, 429 beyond it). A second route's alert to a generic
/// webhook is sent in the middle of it.
/// </summary>
// The 5 s bound is the design's promise about the service, not about a test run that starves it: this class runs
// after the parallel classes, so the suite's own other service processes do not share its two cores.
[Collection(nameof(StormTiming))]
public sealed partial class StormThroughAlertmanagerTests(ITestOutputHelper output)
{
    const int Namespaces = 8, PodsPerNamespace = 250, Pods = Namespaces * PodsPerNamespace;

    [Fact]
    public async Task TwoThousandPodsBecomeDigestsWithinAMinuteWhileAnotherRouteIsServedInSeconds()
    {
        await using var chat = await ChatStandIn.StartAsync();
        var folder = LoopbackTool.NewDirectory("storm");
        try
        {
            await using var service = ServiceProcess.Start(new Dictionary<string, string>
            {
                ["Inbox:Path"] = Path.Combine(folder, "inbox.db"),
                ["Auth:BearerToken"] = WebhookApp.Token,
                ["Routes:storm:Slack:WebhookUrl"] = chat.SlackWebhookUrl,
                ["Routes:other:Webhook:Url"] = chat.WebhookUrl,
            });
            await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));

            // Short group timers keep the test's wall time down; the grouping is Alertmanager's own.
            await using var alertmanager = await AlertmanagerProcess.StartAsync($"""
                route:
                  receiver: storm
                  group_by: [namespace]
                  group_wait: 1s
                  group_interval: 2s
                  repeat_interval: 1h
                  routes:
                    - receiver: other
                      matchers: [ 'team="other"' ]
                      group_by: [alertname, pod]
                      group_wait: 500ms
                receivers:
                  - name: storm
                    webhook_configs:
                      - url: {service.BaseUrl}/alerts/storm
                        http_config: {Bearer()}
                  - name: other
                    webhook_configs:
                      - url: {service.BaseUrl}/alerts/other
                        http_config: {Bearer()}
                """);

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            var startsAt = DateTimeOffset.UtcNow.AddMinutes(-20).ToString("O");
            for (var n = 0; n < Namespaces; n++)
            {
                var alerts = new JsonArray([.. Enumerable.Range(0, PodsPerNamespace).Select(i => (JsonNode)Alert($"ns-{n}", $"api-{n}-{i:D3}", startsAt))]);
                (await http.PostAsJsonAsync($"{alertmanager.BaseUrl}/api/v2/alerts", alerts)).EnsureSuccessStatusCode();
            }
            var lastStormAlert = DateTimeOffset.UtcNow;

            // The other route, while the service works through the storm.
            var other = Alert("other", "billing-7c9d-x1", startsAt);
            other["labels"]!["team"] = "other";
            var sent = Stopwatch.StartNew();
            (await http.PostAsJsonAsync($"{alertmanager.BaseUrl}/api/v2/alerts", new JsonArray(other))).EnsureSuccessStatusCode();
            await Eventually.TrueAsync(() => chat.To("webhook").Any(r => r.Accepted && r.Body.Contains("billing-7c9d-x1")),
                TimeSpan.FromSeconds(30), "the other route's alert");
            var otherLatency = sent.Elapsed;

            await Eventually.TrueAsync(() => PodsShown(chat) >= Pods, TimeSpan.FromSeconds(120),
                $"Slack to show all {Pods} pods (digests and single messages)");
            var lastPost = chat.To("slack-webhook").Where(r => r.Accepted).Max(r => r.At);
            var digests = chat.To("slack-webhook").Count(r => r.Accepted && Headline().IsMatch(r.Body));
            output.WriteLine($"other route delivered {otherLatency.TotalSeconds:F1} s after it was sent to Alertmanager");
            output.WriteLine($"{digests} digest(s) and {chat.AcceptedCount("slack-webhook") - digests} single message(s); " +
                $"last post {(lastPost - lastStormAlert).TotalSeconds:F1} s after the last alert; " +
                $"{chat.To("slack-webhook").Count(r => r.Status == 429)} answered 429");

            // Joining a digest and posting it are both counted by the delivery stage (the count follows the
            // stand-in's answer by moments).
            var singles = chat.AcceptedCount("slack-webhook") - digests;
            string metrics = "";
            await Eventually.TrueAsync(async () =>
            {
                metrics = await http.GetStringAsync($"{service.BaseUrl}/metrics");
                return Counted(metrics, "slack", "delivered") == chat.AcceptedCount("slack-webhook");
            }, TimeSpan.FromSeconds(30), "every Slack post to be counted as delivered");
            Assert.Equal(Pods - singles, Counted(metrics, "slack", "digested"));

            Assert.Equal(Pods, PodsShown(chat));
            Assert.True(lastPost - lastStormAlert <= TimeSpan.FromSeconds(60), $"last Slack post {(lastPost - lastStormAlert).TotalSeconds:F1} s after the last alert");
            Assert.True(otherLatency <= TimeSpan.FromSeconds(5), $"the other route's alert took {otherLatency.TotalSeconds:F1} s");
            Assert.Single(chat.To("webhook"), r => r.Accepted);
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Pods counted in digest headlines, plus one per message about a single pod.</summary>
    static int PodsShown(ChatStandIn chat) => chat.To("slack-webhook").Where(r => r.Accepted)
        .Sum(r => Headline().Match(r.Body) is { Success: true } m ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 1);

    /// <summary>webhook_deliveries_total for one kind and outcome, from the Prometheus text.</summary>
    static long Counted(string metrics, string kind, string outcome) => metrics.Split('\n')
        .Where(l => l.StartsWith("webhook_deliveries_total{", StringComparison.Ordinal)
            && l.Contains($"kind=\"{kind}\"") && l.Contains($"outcome=\"{outcome}\""))
        .Sum(l => (long)double.Parse(l[(l.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture));

    [GeneratedRegex(@"(\d+) pods? crash looping")]
    private static partial Regex Headline();

    static string Bearer() => $"{{ authorization: {{ type: Bearer, credentials: {WebhookApp.Token} }} }}";

    static JsonObject Alert(string ns, string pod, string startsAt) => new()
    {
        ["labels"] = new JsonObject
        {
            ["alertname"] = "KubePodCrashLooping", ["namespace"] = ns, ["pod"] = pod, ["container"] = "api",
            ["severity"] = "warning", ["reason"] = "CrashLoopBackOff",
        },
        ["annotations"] = new JsonObject { ["summary"] = "Pod is crash looping." },
        ["startsAt"] = startsAt,
        ["generatorURL"] = "http://prometheus.local/graph",
    };
}

[CollectionDefinition(nameof(StormTiming), DisableParallelization = true)]
public sealed class StormTiming;
