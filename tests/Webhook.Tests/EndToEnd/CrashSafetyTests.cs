using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Webhook.Tests.Support;
using Xunit.Abstractions;

namespace Webhook.Tests.EndToEnd;

/// <summary>
/// kill -9 while alerts arrive and deliveries run, with the shipped worker count: everything that got a 2xx is
/// delivered, and a repeat is only possible for an item that was between "posted" and "recorded" when the kill
/// landed, so at most one per worker per kill, carrying the first attempt's Idempotency-Key.
/// </summary>
public sealed class CrashSafetyTests(ITestOutputHelper output)
{
    const int Alerts = 300;
    // The shipped default of Pipeline:Workers (PipelineOptions), not set below: the test runs what users run.
    static readonly int Workers = new Webhook.Pipeline.PipelineOptions().Workers;

    [Fact]
    public async Task EveryAcknowledgedAlertIsDeliveredDespiteTwoHardKills()
    {
        await using var receiver = await TestReceiver.StartAsync();
        using var temp = TestTemp.NewFolder();
        var inbox = temp.File("inbox.db");
        var settings = new Dictionary<string, string>
        {
            ["Inbox:Path"] = inbox,
            ["Auth:BearerToken"] = WebhookApp.Token,
            ["Routes:default:Webhook:Url"] = receiver.Url(),
            ["Pipeline:BaseBackoff"] = "00:00:00.050",
            ["Pipeline:PollInterval"] = "00:00:00.050",
        };
        var port = ServiceProcess.FreePort();
        var service = ServiceProcess.Start(settings, port);
        await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(30));

        var acknowledged = new ConcurrentDictionary<string, bool>();
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
        var killPoints = new[] { random.Next(40, 120), random.Next(150, 250) };
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
        Assert.True(extra <= killPoints.Length * Workers, $"{extra} extra deliveries for {killPoints.Length} kills with {Workers} workers");
        foreach (var (fingerprint, requests) in byFingerprint)
            Assert.Single(requests.Select(r => r.Headers["Idempotency-Key"]).Distinct());
    }
}
