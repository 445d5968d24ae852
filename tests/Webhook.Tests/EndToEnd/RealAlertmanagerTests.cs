using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Webhook.Tests.Support;
using Xunit.Abstractions;

namespace Webhook.Tests.EndToEnd;

/// <summary>Real Alertmanager → the service (bearer auth, a team route) → generic webhook receiver, firing then resolved.</summary>
public sealed class RealAlertmanagerTests(ITestOutputHelper output)
{
    [Fact]
    public async Task AnAlertFromAlertmanagerIsDeliveredAndThenItsResolution()
    {
        await using var receiver = await TestReceiver.StartAsync();
        using var temp = TestTemp.NewFolder();
        var inbox = temp.File("inbox.db");
        await using var service = ServiceProcess.Start(new Dictionary<string, string>
        {
            ["Inbox:Path"] = inbox,
            ["Auth:BearerToken"] = WebhookApp.Token,
            ["Routes:team-a:Webhook:Url"] = receiver.Url("/team-a"),
        });
        await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(30));

        await using var alertmanager = await AlertmanagerProcess.StartAsync($"""
            route:
              receiver: crashloop-team-a
              group_by: [alertname, namespace, pod]
              group_wait: 1s
              group_interval: 1s
              repeat_interval: 1h
            receivers:
              - name: crashloop-team-a
                webhook_configs:
                  - url: {service.BaseUrl}/alerts/team-a
                    send_resolved: true
                    http_config:
                      authorization:
                        type: Bearer
                        credentials: {WebhookApp.Token}
            """);

        using var http = new HttpClient();
        var labels = new JsonObject
        {
            ["alertname"] = "KubePodCrashLooping", ["namespace"] = "shop", ["pod"] = "api-5d8f7b9c4-k2lmn",
            ["container"] = "api", ["severity"] = "warning", ["reason"] = "CrashLoopBackOff",
        };
        var startsAt = DateTimeOffset.UtcNow.AddMinutes(-1);
        JsonArray Alert(DateTimeOffset? endsAt) =>
        [
            new JsonObject
            {
                ["labels"] = labels.DeepClone(),
                ["annotations"] = new JsonObject { ["summary"] = "Pod is crash looping.", ["runbook_url"] = "https://runbooks.example/kubepodcrashlooping" },
                ["startsAt"] = startsAt.ToString("O"),
                ["endsAt"] = endsAt?.ToString("O"),
                ["generatorURL"] = "http://prometheus.local/graph",
            },
        ];

        (await http.PostAsJsonAsync($"{alertmanager.BaseUrl}/api/v2/alerts", Alert(null))).EnsureSuccessStatusCode();

        await Eventually.TrueAsync(() => receiver.Accepted.Any(r => r.Body.Contains("\"status\":\"firing\"")), TimeSpan.FromSeconds(30),
            "the firing alert to reach the receiver through Alertmanager and the service");
        var firing = JsonNode.Parse(receiver.Accepted.First().Body)!;
        Assert.Equal("/team-a", receiver.Accepted.First().Path);
        Assert.Equal("api-5d8f7b9c4-k2lmn", (string?)firing["labels"]!["pod"]);
        Assert.Equal("team-a", (string?)firing["route"]);
        Assert.False(string.IsNullOrEmpty((string?)firing["fingerprint"]));
        Assert.Contains("pod=\"api-5d8f7b9c4-k2lmn\"", (string?)firing["groupKey"]);
        Assert.False(string.IsNullOrEmpty((string?)firing["externalURL"]));

        (await http.PostAsJsonAsync($"{alertmanager.BaseUrl}/api/v2/alerts", Alert(DateTimeOffset.UtcNow.AddSeconds(-1)))).EnsureSuccessStatusCode();

        await Eventually.TrueAsync(() => receiver.Accepted.Any(r => r.Body.Contains("\"status\":\"resolved\"")), TimeSpan.FromSeconds(30),
            "the resolved notification to follow");
        var resolved = JsonNode.Parse(receiver.Accepted.First(r => r.Body.Contains("\"status\":\"resolved\"")).Body)!;
        Assert.Equal((string?)firing["fingerprint"], (string?)resolved["fingerprint"]);
        Assert.NotNull((string?)resolved["endsAt"]);
        Assert.Single(receiver.Accepted, r => r.Body.Contains("\"status\":\"firing\""));
        output.WriteLine($"receiver got {receiver.Requests.Count} documents");
    }
}
