using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Webhook.Tests.EndToEnd;

/// <summary>SIGTERM, as Kubernetes stops a pod: stop taking alerts, finish what is in flight, exit 0.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task OnSigtermTheItemInFlightIsDeliveredNoAlertIsAcceptedAndTheServiceExitsZero()
    {
        using var temp = TestTemp.NewFolder();
        await using var receiver = await TestReceiver.StartAsync();
        // The destination is still answering when the signal comes; the grace period is what lets it finish.
        receiver.DelayFor = _ => TimeSpan.FromSeconds(3);
        var settings = new Dictionary<string, string>
        {
            ["Inbox:Path"] = temp.File("inbox.db"),
            ["Auth:BearerToken"] = WebhookApp.Token,
            ["Routes:default:Webhook:Url"] = receiver.Url(),
            ["Pipeline:ShutdownGrace"] = "00:00:20",
        };
        await using var service = ServiceProcess.Start(settings);
        await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(30));
        using var http = new HttpClient { BaseAddress = new Uri(service.BaseUrl), Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", WebhookApp.Token);
        Task<HttpResponseMessage> Post(string fingerprint) =>
            http.PostAsync("/alerts", new StringContent(Payloads.Group(Payloads.Alert(fingerprint)).ToJsonString(), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Accepted, (await Post("in-flight")).StatusCode);
        await Eventually.TrueAsync(() => !receiver.Requests.IsEmpty, TimeSpan.FromSeconds(30), "the delivery to be under way");
        service.Terminate();

        // From the signal on, nothing is acknowledged: a 503 while the server drains, or no connection once it stopped.
        await Eventually.TrueAsync(async () =>
        {
            try { return (await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.ServiceUnavailable; }
            catch (HttpRequestException) { return true; }
        }, TimeSpan.FromSeconds(30), "the service to stop being ready");
        try
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await Post("too-late")).StatusCode);
        }
        catch (HttpRequestException)
        {
            // Refused: Alertmanager retries a transport error like a 503.
        }

        Assert.Equal(0, await service.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Single(receiver.Requests);

        // The item was recorded as delivered before the exit: a restart has nothing left to do or to repeat.
        await using var restarted = ServiceProcess.Start(settings);
        await restarted.WaitUntilReadyAsync(TimeSpan.FromSeconds(30));
        var inbox = JsonNode.Parse(await http.GetStringAsync($"{restarted.BaseUrl}/status"))!["inbox"]!;
        Assert.Equal((1, 0, 0), ((int)inbox["delivered"]!, (int)inbox["pending"]!, (int)inbox["inFlight"]!));
    }
}
