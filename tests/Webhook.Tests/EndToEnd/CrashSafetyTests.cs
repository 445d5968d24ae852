using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Webhook.Tests.Support;
using Xunit.Abstractions;

namespace Webhook.Tests.EndToEnd;

/// <summary>
/// Three kill -9 while alerts arrive and deliveries run, with the shipped worker count: everything that got a 2xx is
/// delivered; a generic-webhook repeat is only possible for an item that was between "posted" and "recorded" when
/// the kill landed, so at most one per worker per kill, carrying the first attempt's Idempotency-Key; and a second
/// route's storm to the Slack Web API (a digest with its thread replies) never shows a message twice.
/// </summary>
public sealed class CrashSafetyTests(ITestOutputHelper output)
{
    const int Alerts = 300, EveryNthToSlack = 5;
    // The shipped default of Pipeline:Workers (PipelineOptions), not set below: the test runs what users run.
    static readonly int Workers = new Webhook.Pipeline.PipelineOptions().Workers;

    [Fact]
    public async Task EveryAcknowledgedAlertIsDeliveredAndNoSlackMessageRepeatedDespiteThreeHardKills()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var chat = await Notify.ChatStandIn.StartAsync();
        using var temp = TestTemp.NewFolder();
        var inbox = temp.File("inbox.db");
        var settings = new Dictionary<string, string>
        {
            ["Inbox:Path"] = inbox,
            ["Auth:BearerToken"] = WebhookApp.Token,
            ["Routes:default:Webhook:Url"] = receiver.Url(),
            ["Routes:chat:Slack:BotToken"] = Notify.ChatStandIn.BotToken,
            ["Routes:chat:Slack:Channel"] = Notify.ChatStandIn.Channel,
            ["Routes:chat:Slack:ApiBaseUrl"] = chat.SlackApiBase,
            ["Pipeline:BaseBackoff"] = "00:00:00.050",
            ["Pipeline:PollInterval"] = "00:00:00.050",
        };
        var port = ServiceProcess.FreePort();
        var service = ServiceProcess.Start(settings, port);
        await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(30));

        var acknowledged = new ConcurrentDictionary<string, bool>();
        var slackAcknowledged = new ConcurrentDictionary<string, bool>();
        var queue = new ConcurrentQueue<int>(Enumerable.Range(0, Alerts));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", WebhookApp.Token);

        async Task SendAsync()
        {
            while (queue.TryDequeue(out var i))
            {
                var fingerprint = $"crash-{i:D4}";
                var body = Payloads.Group(Payloads.Alert(fingerprint, pod: $"api-{i}")).ToJsonString();
                try
                {
                    // Every fifth pod also reaches the Slack route (Alertmanager sends a group to each matching receiver).
                    if (i % EveryNthToSlack == 0 && !slackAcknowledged.ContainsKey($"api-{i}"))
                    {
                        var toSlack = await http.PostAsync($"http://127.0.0.1:{port}/alerts/chat", new StringContent(body, Encoding.UTF8, "application/json"));
                        if (!toSlack.IsSuccessStatusCode) throw new HttpRequestException($"HTTP {(int)toSlack.StatusCode}");
                        slackAcknowledged[$"api-{i}"] = true;
                    }
                    var response = await http.PostAsync($"http://127.0.0.1:{port}/alerts", new StringContent(body, Encoding.UTF8, "application/json"));
                    if (response.IsSuccessStatusCode) { acknowledged[fingerprint] = true; continue; }
                }
                catch (HttpRequestException) { }
                catch (TaskCanceledException) { }
                // Like Alertmanager: no 2xx, so send it again later.
                queue.Enqueue(i);
                await Task.Delay(20);
            }
        }

        var random = new Random();
        var killPoints = new[] { random.Next(30, 90), random.Next(120, 180), random.Next(210, 270) };
        var senders = Enumerable.Range(0, 8).Select(_ => Task.Run(SendAsync)).ToList();
        foreach (var point in killPoints)
        {
            await Eventually.TrueAsync(() => acknowledged.Count >= point, TimeSpan.FromSeconds(60), $"{point} acknowledged alerts");
            service.KillHard();
            output.WriteLine($"killed at {acknowledged.Count} acknowledged, {receiver.Requests.Count} received");
            await service.DisposeAsync();
            service = ServiceProcess.Start(settings, port);
            await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(30));
        }
        await Task.WhenAll(senders);
        // Senders can finish while a restart is still coming up; keep going until the queue is drained.
        while (!queue.IsEmpty) await SendAsync();

        try
        {
            await Eventually.TrueAsync(() => acknowledged.Keys.All(f => receiver.Requests.Any(r => r.Body.Contains($"\"{f}\""))),
                TimeSpan.FromSeconds(90), "every acknowledged alert to reach the receiver");
            // Each pod of the Slack storm is named in the digest's thread (a reply of its own or the list of the rest).
            try
            {
                await Eventually.TrueAsync(() => slackAcknowledged.Keys.All(pod => Shown(chat, pod)),
                    TimeSpan.FromSeconds(120), "every pod sent to the Slack route to be shown in the channel");
            }
            finally
            {
                output.WriteLine($"not shown in Slack: {string.Join(", ", slackAcknowledged.Keys.Where(pod => !Shown(chat, pod)))}");
            }
        }
        finally
        {
            await service.DisposeAsync();
        }

        var byFingerprint = receiver.Requests
            .GroupBy(r => (string)JsonNode.Parse(r.Body)!["fingerprint"]!)
            .ToDictionary(g => g.Key, g => g.ToList());
        var extra = receiver.Requests.Count - byFingerprint.Count;
        output.WriteLine($"acknowledged {acknowledged.Count}, received {receiver.Requests.Count}, distinct {byFingerprint.Count}, extra {extra}");

        Assert.Equal(Alerts, acknowledged.Count);
        Assert.Equal(Alerts / EveryNthToSlack, slackAcknowledged.Count);
        // Every Web API post carries its step's key in metadata: a key seen twice is a message shown twice.
        var posted = chat.SlackApiAccepted.Where(p => p.Method == "chat.postMessage")
            .Select(p => (string)p.Body["metadata"]!["event_payload"]!["idempotency_key"]!).ToList();
        output.WriteLine($"Slack: {posted.Count} messages for {slackAcknowledged.Count} pods");
        Assert.Equal(posted.Count, posted.Distinct().Count());
        Assert.True(extra <= killPoints.Length * Workers, $"{extra} extra deliveries for {killPoints.Length} kills with {Workers} workers");
        foreach (var (fingerprint, requests) in byFingerprint)
            Assert.Single(requests.Select(r => r.Headers["Idempotency-Key"]).Distinct());
    }

    static bool Shown(Notify.ChatStandIn chat, string pod) =>
        chat.SlackApiAccepted.Any(p => System.Text.RegularExpressions.Regex.IsMatch(p.Body.ToJsonString(), System.Text.RegularExpressions.Regex.Escape(pod) + "(?![0-9])"));
}
