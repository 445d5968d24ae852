using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;
using Webhook.Tests.Support;
using Xunit.Abstractions;

namespace Webhook.Tests.EndToEnd;

/// <summary>
/// Three service processes on one PostgreSQL inbox, as the ha-postgres overlay runs them: every alert is posted to
/// all three (an Alertmanager HA pair, retries reaching other pods) and one replica is killed with SIGKILL while they
/// arrive. Every acknowledged alert reaches the generic webhook, and a repeat is only possible for an item that was
/// in flight on the killed replica, with the same Idempotency-Key.
/// </summary>
[Collection(nameof(PostgresCollection))]
public sealed class PostgresReplicasTests(PostgresServer server, ITestOutputHelper output)
{
    const int Alerts = 90;
    static readonly int Workers = new Webhook.Pipeline.PipelineOptions().Workers;

    [Fact]
    public async Task AnAlertPostedToThreeReplicasIsDeliveredOnceAndAKilledReplicaLosesNothing()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var connectionString = await server.ConnectionStringAsync($"replicas_{Guid.NewGuid():n}");
        using var temp = TestTemp.NewFolder("pg-replicas");
        Dictionary<string, string> Settings(int replica) => new()
        {
            // Each pod's own local file (Slack incidents, storm digests); the inbox is the shared database.
            ["Inbox:Path"] = temp.File($"replica-{replica}/inbox.db"),
            ["Inbox:Provider"] = "postgres",
            ["Inbox:ConnectionString"] = connectionString,
            ["Auth:BearerToken"] = WebhookApp.Token,
            ["Routes:default:Webhook:Url"] = receiver.Url(),
            ["Pipeline:BaseBackoff"] = "00:00:00.050",
            ["Pipeline:PollInterval"] = "00:00:00.050",
        };
        var ports = Enumerable.Range(0, 3).Select(_ => ServiceProcess.FreePort()).ToArray();
        var replicas = Enumerable.Range(0, 3).Select(r => ServiceProcess.Start(Settings(r), ports[r])).ToArray();
        try
        {
            await Task.WhenAll(replicas.Select(r => r.WaitUntilReadyAsync(TimeSpan.FromSeconds(60))));
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            http.DefaultRequestHeaders.Authorization = new("Bearer", WebhookApp.Token);
            var acknowledged = new ConcurrentDictionary<string, int>();
            var killed = new TaskCompletionSource();

            // One sender per replica, each posting every alert to its replica; the killed one's sender moves on to
            // the next replica, as Alertmanager retries at another pod behind the Service.
            async Task SendAsync(int replica)
            {
                for (var i = 0; i < Alerts; i++)
                {
                    var fingerprint = $"crash-{i:D4}";
                    var body = Payloads.Group(Payloads.Alert(fingerprint, pod: $"api-{i}")).ToJsonString();
                    for (var (target, attempt) = (replica, 0); ; (target, attempt) = ((target + 1) % 3, attempt + 1))
                    {
                        Assert.True(attempt < 300, $"no replica acknowledged {fingerprint}");
                        if (target == 0 && killed.Task.IsCompleted) continue;
                        try
                        {
                            var response = await http.PostAsync($"http://127.0.0.1:{ports[target]}/alerts", new StringContent(body, Encoding.UTF8, "application/json"));
                            if (response.IsSuccessStatusCode)
                            {
                                acknowledged.AddOrUpdate(fingerprint, 1, (_, n) => n + 1);
                                break;
                            }
                        }
                        catch (HttpRequestException) { }
                        catch (TaskCanceledException) { }
                    }
                    if (replica == 0 && i == Alerts / 3)
                    {
                        replicas[0].KillHard();
                        killed.TrySetResult();
                        output.WriteLine($"killed replica 0 at {acknowledged.Count} acknowledged, {receiver.Requests.Count} received");
                    }
                }
            }
            await Task.WhenAll(Enumerable.Range(0, 3).Select(r => Task.Run(() => SendAsync(r))));

            // Done when the shared inbox has nothing open: every item delivered by one of the two survivors.
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await Eventually.TrueAsync(async () =>
            {
                await using var open = new NpgsqlCommand("SELECT count(*) FILTER (WHERE state IN ('pending', 'inflight')), count(*) FROM inbox_items", connection);
                await using var reader = await open.ExecuteReaderAsync();
                await reader.ReadAsync();
                return reader.GetInt64(0) == 0 && reader.GetInt64(1) == Alerts;
            }, TimeSpan.FromSeconds(120), "every item of the shared inbox to be delivered");

            var byFingerprint = receiver.Requests.GroupBy(r => (string)JsonNode.Parse(r.Body)!["fingerprint"]!).ToDictionary(g => g.Key, g => g.ToList());
            var extra = receiver.Requests.Count - byFingerprint.Count;
            output.WriteLine($"acknowledged {acknowledged.Count} alerts {acknowledged.Values.Sum()} times, received {receiver.Requests.Count}, distinct {byFingerprint.Count}, extra {extra}");

            Assert.Equal(Alerts, acknowledged.Count);
            Assert.Equal(Alerts, byFingerprint.Count);
            // Only the killed replica's items in flight can be posted twice, never more than its workers held.
            Assert.True(extra <= Workers, $"{extra} extra deliveries for one kill with {Workers} workers");
            foreach (var (_, requests) in byFingerprint)
                Assert.Single(requests.Select(r => r.Headers["Idempotency-Key"]).Distinct());
        }
        finally
        {
            foreach (var replica in replicas) await replica.DisposeAsync();
        }
    }
}
