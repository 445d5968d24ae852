using System.Net;
using System.Net.Http.Json;

namespace Webhook.Tests.Inbox;

/// <summary>
/// The service on Inbox:Provider=postgres, as a process: a database that is not up yet is waited for (not ready,
/// intake 503, no crash loop, no stack trace), and the same process becomes ready once it answers.
/// </summary>
public sealed class PostgresServiceTests
{
    [Fact]
    public async Task AServiceStartedBeforeItsDatabaseIsNotReadyUntilTheDatabaseAnswersThenTakesAlertsWithoutARestart()
    {
        using var temp = TestTemp.NewFolder("pg-service");
        var port = ServiceProcess.FreePort();
        var settings = new Dictionary<string, string>
        {
            // Slack incidents and storm digests stay in the local file (README: High availability).
            ["Inbox:Path"] = temp.File("inbox.db"),
            ["Inbox:Provider"] = "postgres",
            ["Inbox:ConnectionString"] = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Timeout=2",
        };
        await using var service = ServiceProcess.Start(settings);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        // Up (it answers) but not ready, and the intake refuses what it cannot store.
        await Eventually.TrueAsync(async () =>
        {
            Assert.False(service.HasExited, $"the service exited:\n{service.Output}");
            try { return (await http.GetAsync($"{service.BaseUrl}/healthz")).IsSuccessStatusCode; }
            catch (HttpRequestException) { return false; }
        }, TimeSpan.FromSeconds(60), "the service to answer /healthz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync($"{service.BaseUrl}/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable,
            (await http.PostAsJsonAsync($"{service.BaseUrl}/alerts", Payloads.Group(Payloads.Alert("f1")))).StatusCode);
        Assert.False(service.HasExited);
        Assert.Contains(service.Output.Split('\n'), l => l.Contains("not ready until the database answers", StringComparison.Ordinal));

        await using var database = await PostgresServer.StartAsync(port);
        await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        var accepted = await http.PostAsJsonAsync($"{service.BaseUrl}/alerts", Payloads.Group(Payloads.Alert("f1")));

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.False(service.Output.Contains("   at ", StringComparison.Ordinal), service.Output);
    }
}
