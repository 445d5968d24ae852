using System.Net;
using System.Net.Http.Json;
using Npgsql;

namespace Webhook.Tests.Inbox;

/// <summary>
/// The service on Inbox:Provider=postgres, as a process: a database that is not up yet is waited for (not ready,
/// intake 503, no crash loop, no stack trace), the same process becomes ready once it answers, and again after the
/// database restarted; a database that refuses the service is a one-line configuration error.
/// </summary>
[Collection(nameof(PostgresCollection))]
public sealed class PostgresServiceTests(PostgresServer server)
{
    [Fact]
    public async Task ADatabaseThatDoesNotExistStopsTheServiceWithOneLine()
    {
        using var temp = TestTemp.NewFolder("pg-service");
        var missing = new NpgsqlConnectionStringBuilder(server.DefaultConnectionString) { Database = "no_such_database" };
        await using var service = ServiceProcess.Start(new Dictionary<string, string>
        {
            ["Inbox:Path"] = temp.File("inbox.db"), ["Inbox:Provider"] = "postgres", ["Inbox:ConnectionString"] = missing.ConnectionString,
        });

        Assert.Equal(2, await service.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var line = Assert.Single(service.Output.Split('\n'), l => l.StartsWith("Configuration error:", StringComparison.Ordinal));
        Assert.Equal("Configuration error: Inbox:ConnectionString: the database refused the inbox: database \"no_such_database\" does not exist", line);
        Assert.DoesNotContain("   at ", service.Output);
    }

    [Fact]
    public async Task AServiceStartedBeforeItsDatabaseIsReadyOnlyWhileTheDatabaseAnswersAndRecoversWithoutARestart()
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

        // Waiting for the database is quiet: warnings of one line, no stack trace.
        Assert.False(service.Output.Contains("   at ", StringComparison.Ordinal), service.Output);

        await using var database = await PostgresServer.StartAsync(port);
        await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        var accepted = await http.PostAsJsonAsync($"{service.BaseUrl}/alerts", Payloads.Group(Payloads.Alert("f1")));

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);

        // The database restarts under the running service: not ready while it is down, ready again after, and what
        // was accepted before is still there.
        await database.StopAsync();
        await Eventually.TrueAsync(async () => (await http.GetAsync($"{service.BaseUrl}/readyz")).StatusCode == HttpStatusCode.ServiceUnavailable,
            TimeSpan.FromSeconds(30), "/readyz to say not ready while the database is down");
        Assert.Equal(HttpStatusCode.ServiceUnavailable,
            (await http.PostAsJsonAsync($"{service.BaseUrl}/alerts", Payloads.Group(Payloads.Alert("f2")))).StatusCode);
        await database.StartProcessAsync();
        await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        // Pooled connections the restart broke may fail a first request (Alertmanager retries a 503): retried here too.
        await Eventually.TrueAsync(async () => (await http.PostAsJsonAsync($"{service.BaseUrl}/alerts", Payloads.Group(Payloads.Alert("f2")))).StatusCode == HttpStatusCode.Accepted,
            TimeSpan.FromSeconds(30), "the intake to accept again");

        await using var connection = new NpgsqlConnection(database.DefaultConnectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM inbox_items", connection);
        Assert.Equal(2L, await count.ExecuteScalarAsync());
        // An item the worker held when the database went down may log its failed attempt (a warning: its lease
        // lets it be claimed again); the process lives on, and no worker reports an error of its own.
        Assert.False(service.HasExited, service.Output);
        var workerError = service.Output.IndexOf("PipelineWorker[212]", StringComparison.Ordinal);
        Assert.True(workerError < 0, workerError < 0 ? "" : service.Output[workerError..Math.Min(service.Output.Length, workerError + 3000)]);
    }

    [Fact]
    public async Task AnItemDeliveredWhileTheDatabaseIsDownIsRecordedWhenItIsBackNotLeftToItsLease()
    {
        using var temp = TestTemp.NewFolder("pg-service");
        var port = ServiceProcess.FreePort();
        await using var database = await PostgresServer.StartAsync(port);
        await using var receiver = await TestReceiver.StartAsync();
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        receiver.HoldFor = _ => answer.Task;
        // The shipped Pipeline:LeaseDuration (5 minutes): left to its lease, the item would wait that long.
        await using var service = ServiceProcess.Start(new Dictionary<string, string>
        {
            ["Inbox:Path"] = temp.File("inbox.db"),
            ["Inbox:Provider"] = "postgres",
            ["Inbox:ConnectionString"] = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Timeout=2",
            ["Routes:default:Webhook:Url"] = receiver.Url(),
        });
        await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync($"{service.BaseUrl}/alerts", Payloads.Group(Payloads.Alert("f1")))).StatusCode);
        await Eventually.TrueAsync(() => Task.FromResult(!receiver.Requests.IsEmpty), TimeSpan.FromSeconds(60), "the webhook to be posted");

        // The database goes down while the post is out; the webhook then accepts it, and the outcome cannot be recorded.
        await database.StopAsync();
        answer.SetResult();
        await Eventually.TrueAsync(() => Task.FromResult(service.Output.Contains("waits for the inbox's database:", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(60), "the worker to wait for the database");
        await database.StartProcessAsync();

        // Recorded once the database answers: delivered, posted once, its lease still far from over.
        await using var connection = new NpgsqlConnection(database.DefaultConnectionString);
        await connection.OpenAsync();
        string? state = null;
        await Eventually.TrueAsync(async () =>
        {
            await using var read = new NpgsqlCommand("SELECT state FROM inbox_items", connection);
            state = (string?)await read.ExecuteScalarAsync();
            return state == "delivered";
        }, TimeSpan.FromSeconds(90), "the item to be recorded as delivered");
        Assert.Single(receiver.Requests);
        Assert.False(service.HasExited, service.Output);
        Assert.DoesNotContain("   at ", service.Output);
    }
}
