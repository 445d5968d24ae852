using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Webhook.Alerts;

namespace Webhook.Tests.Backbone;

/// <summary>
/// The intake parses the body where Kestrel buffered it, without consuming it until the end. Over real Kestrel
/// (not the in-process test server), a body of several MB under a raised Alerts:MaxBodyBytes must still arrive whole.
/// </summary>
public sealed class LargeGroupTests
{
    [Fact]
    public async Task AGroupOfSeveralMegabytesIsAcceptedWhenTheLimitAllowsIt()
    {
        // Real Kestrel in this process (the factory's UseKestrel): the pipeline must stay off, which only the test
        // host can do (the shipped service has no such switch).
        await using var service = new WebhookApp(new Dictionary<string, string?>
        {
            ["Alerts:MaxBodyBytes"] = (8 * 1024 * 1024).ToString(),
        }, pipeline: false);
        service.UseKestrel(0);
        service.StartServer();
        var baseUrl = service.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var alerts = Enumerable.Range(0, 6000).Select(i => Payloads.Alert($"big-{i}", pod: $"api-{i}-{new string('x', 200)}")).ToArray();
        var body = Payloads.Group(alerts).ToJsonString();
        Assert.True(body.Length > 2 * 1024 * 1024, $"the body is only {body.Length} bytes");

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", WebhookApp.Token);
        var response = await client.PostAsync($"{baseUrl}/alerts", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(new IntakeResult(6000, 0, 0), await response.Content.ReadFromJsonAsync<IntakeResult>());
    }
}
