using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Webhook.Tests.Notify;
using Webhook.Tests.Support;

namespace Webhook.Tests.EndToEnd;

/// <summary>
/// kill -9 between Slack taking a Web API post and the service recording its ts: after the restart the service finds
/// the message by its metadata (conversations.history for a new message, conversations.replies for a thread reply)
/// and adopts it instead of posting again.
/// </summary>
public sealed class SlackExactlyOnceTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task APostInterruptedByKill9IsFoundInTheChannelAndNotRepeated()
    {
        await using var chat = await ChatStandIn.StartAsync();
        var folder = LoopbackTool.NewDirectory("slack-once");
        var settings = new Dictionary<string, string>
        {
            ["Inbox:Path"] = Path.Combine(folder, "inbox.db"),
            ["Auth:BearerToken"] = WebhookApp.Token,
            ["Routes:default:Slack:BotToken"] = ChatStandIn.BotToken,
            ["Routes:default:Slack:Channel"] = ChatStandIn.Channel,
            ["Routes:default:Slack:ApiBaseUrl"] = chat.SlackApiBase,
            ["Pipeline:BaseBackoff"] = "00:00:00.050",
            ["Pipeline:PollInterval"] = "00:00:00.050",
        };
        var port = ServiceProcess.FreePort();
        var service = ServiceProcess.Start(settings, port);
        try
        {
            await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));

            // 1. A new incident's message: Slack takes it, the answer never reaches the service.
            service = await KillDuringPostAsync(chat, () => PostAsync(port, Payloads.Alert("fp-a", pod: Pod)), service, settings, port);
            await Eventually.True(() => chat.Requests.Any(r => r.Path.StartsWith("/api/conversations.history")), "the lookup in the channel", TimeSpan.FromSeconds(60));
            await DeliveredAsync(port, 1);
            var top = Assert.Single(chat.SlackApiAccepted, p => p.Method == "chat.postMessage");

            // 2. The pod fires again (a new startsAt): a reply in the incident's thread, interrupted the same way.
            service = await KillDuringPostAsync(chat, () => PostAsync(port, Payloads.Alert("fp-a", pod: Pod, startsAt: "2026-11-24T11:00:00Z")),
                service, settings, port);
            await Eventually.True(() => chat.Requests.Any(r => r.Path.StartsWith("/api/conversations.replies")), "the lookup in the thread", TimeSpan.FromSeconds(60));
            await DeliveredAsync(port, 2);
            Assert.Single(chat.SlackApiAccepted, p => p.ThreadTs == top.Ts);

            // The adopted ts is the incident's: the recovery updates it.
            await PostAsync(port, Payloads.Alert("fp-a", status: "resolved", pod: Pod));
            await DeliveredAsync(port, 3);
            Assert.Equal(top.Ts, Assert.Single(chat.SlackApiAccepted, p => p.Method == "chat.update").Ts);
            Assert.Single(chat.SlackApiAccepted, p => p.Method == "chat.postMessage" && p.ThreadTs is null);
            var keys = chat.SlackApiAccepted.Where(p => p.Method == "chat.postMessage")
                .Select(p => (string)p.Body["metadata"]!["event_payload"]!["idempotency_key"]!).ToList();
            Assert.Equal(keys.Count, keys.Distinct().Count());
        }
        finally
        {
            await service.DisposeAsync();
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task ThreeKillsDuringAStormDigestAndItsThreadLeaveNoSlackMessageTwice()
    {
        await using var chat = await ChatStandIn.StartAsync();
        var folder = LoopbackTool.NewDirectory("slack-storm-once");
        var settings = new Dictionary<string, string>
        {
            ["Inbox:Path"] = Path.Combine(folder, "inbox.db"),
            ["Auth:BearerToken"] = WebhookApp.Token,
            ["Routes:default:Slack:BotToken"] = ChatStandIn.BotToken,
            ["Routes:default:Slack:Channel"] = ChatStandIn.Channel,
            ["Routes:default:Slack:ApiBaseUrl"] = chat.SlackApiBase,
        };
        var port = ServiceProcess.FreePort();
        var service = ServiceProcess.Start(settings, port);
        try
        {
            await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
            var pods = Enumerable.Range(0, 30).Select(i => $"api-{i:D2}").ToList();
            var group = Payloads.Group([.. pods.Select(p => Payloads.Alert("fp-" + p, pod: p))]);
            using (var http = new HttpClient())
            {
                http.DefaultRequestHeaders.Authorization = new("Bearer", WebhookApp.Token);
                (await http.PostAsync($"http://127.0.0.1:{port}/alerts", new StringContent(group.ToJsonString(), Encoding.UTF8, "application/json")))
                    .EnsureSuccessStatusCode();
            }

            // The digest, then replies: kill while Slack holds the answer to the 1st, 6th and 12th post.
            try
            {
                foreach (var nth in new[] { 1, 6, 12 })
                    service = await KillDuringPostAsync(chat, () => Task.CompletedTask, service, settings, port, nth);
            }
            catch
            {
                output.WriteLine(service.Output);
                foreach (var r in chat.Requests) output.WriteLine($"{r.At:HH:mm:ss.fff} {r.Path} {r.Status}");
                throw;
            }

            // The digest, 20 replies of their own and one naming the other 10.
            await Eventually.True(() => chat.SlackApiAccepted.Count(p => p.Method == "chat.postMessage") >= 22,
                () => $"the digest and its thread; {chat.SlackApiAccepted.Count} posts so far", TimeSpan.FromSeconds(120));
            var keys = chat.SlackApiAccepted.Where(p => p.Method == "chat.postMessage")
                .Select(p => (string)p.Body["metadata"]!["event_payload"]!["idempotency_key"]!).ToList();
            Assert.Equal(keys.Count, keys.Distinct().Count());
            Assert.Equal(22, keys.Count);
            var thread = chat.SlackApiAccepted.Where(p => p.ThreadTs is not null).Select(p => p.Body.ToJsonString()).ToList();
            Assert.All(pods, pod => Assert.Single(thread, t => t.Contains(pod)));
        }
        finally
        {
            await service.DisposeAsync();
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    const string Pod = "api-7d9f8c6b5-aaaaa";

    /// <summary>Slack stores the post and holds its answer; the service dies in that moment and starts again.</summary>
    private static async Task<ServiceProcess> KillDuringPostAsync(ChatStandIn chat, Func<Task> send, ServiceProcess service,
        Dictionary<string, string> settings, int port, int? nth = null)
    {
        var hold = new TaskCompletionSource();
        var before = chat.SlackApiAccepted.Count;
        var target = nth ?? before + 1;
        chat.HoldFromPost = target;
        chat.HoldSlackApiAnswers = hold.Task;
        await send();
        await Eventually.True(() => chat.SlackApiAccepted.Count >= target, $"Slack to take post {target}", TimeSpan.FromSeconds(60));
        service.KillHard();
        chat.HoldSlackApiAnswers = null;
        hold.SetResult();
        await service.DisposeAsync();
        var restarted = ServiceProcess.Start(settings, port);
        await restarted.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        return restarted;
    }

    private static async Task PostAsync(int port, JsonObject alert)
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", WebhookApp.Token);
        var response = await http.PostAsync($"http://127.0.0.1:{port}/alerts",
            new StringContent(Payloads.Group(alert).ToJsonString(), Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
    }

    private static async Task DeliveredAsync(int port, int items)
    {
        using var http = new HttpClient();
        await Eventually.TrueAsync(async () =>
            (await http.GetFromJsonAsync<JsonObject>($"http://127.0.0.1:{port}/status"))!["inbox"]!["delivered"]!.GetValue<long>() == items,
            TimeSpan.FromSeconds(60), $"{items} delivered item(s)");
    }
}
