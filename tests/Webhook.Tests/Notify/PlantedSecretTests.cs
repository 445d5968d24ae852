using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Webhook.Alerts;
using Webhook.Collect;
using Webhook.Diagnosis;
using Webhook.Notify.Webhook;

namespace Webhook.Tests.Notify;

/// <summary>
/// The whole service, from Alertmanager's POST to every destination: one secret of each kind planted in the crash
/// log and in the labels, and mention syntax in labels and annotations. Nothing of it may leave the process, and
/// no destination URL, token or signing key may appear in the service's log (Alertmanager's AssertNotifyLeaksNoSecret).
/// </summary>
public class PlantedSecretTests : IAsyncLifetime
{
    private const string SigningKey = "whsec-planted-signing-key-0001";
    private ChatStandIn _chat = null!;
    private WebApplicationFactory<Program> _app = null!;
    private readonly LogSink _logs = new();

    public async Task InitializeAsync()
    {
        _chat = await ChatStandIn.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Inbox:Path"] = NotifyTestKit.TempDb(),
            ["Pipeline:BaseBackoff"] = "00:00:00.050",
            ["Routes:default:Slack:WebhookUrl"] = _chat.SlackWebhookUrl,
            ["Routes:default:Teams:WorkflowUrl"] = _chat.TeamsUrl,
            ["Routes:default:Webhook:Url"] = _chat.WebhookUrl,
            ["Routes:default:Webhook:Secret"] = SigningKey,
            ["Routes:bot:Slack:BotToken"] = ChatStandIn.BotToken,
            ["Routes:bot:Slack:Channel"] = ChatStandIn.Channel,
            ["Routes:bot:Slack:ApiBaseUrl"] = _chat.SlackApiBase,
            // Destinations that fail: their errors must not quote their URLs either.
            ["Routes:broken:Teams:WorkflowUrl"] = "http://127.0.0.1:9/workflows/x/invoke?sig=brokenTEAMSsig0001",
            ["Routes:broken:Webhook:Url"] = "http://127.0.0.1:9/hook?token=brokenWEBHOOKtoken0001",
            ["Routes:broken:Slack:WebhookUrl"] = "http://127.0.0.1:9/services/T1/B1/brokenSLACKpath0001",
        };
        _app = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.ConfigureAppConfiguration((_, c) => c.AddInMemoryCollection(settings));
            b.ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Trace).AddProvider(_logs));
            b.ConfigureTestServices(s =>
            {
                s.AddSingleton<IPodCollector, PlantedCollector>();
                s.AddSingleton<ICrashClassifier, QuotingClassifier>();
            });
        });
        _ = _app.Server;
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _chat.DisposeAsync();
    }

    [Fact]
    public async Task NoPlantedSecretOrMentionLeavesTheProcessAndNoCredentialReachesTheLog()
    {
        var client = _app.CreateClient();
        foreach (var route in new[] { "", "/bot", "/broken" })
        {
            // Distinct fingerprints: the inbox key is fingerprint + startsAt + status, without the route.
            var alerts = new[] { Alert("api-7d9f8b6c4-x2x9q", "fp-one" + route.TrimStart('/')) };
            var response = await client.PostAsync("/alerts" + route, new StringContent(Payload(alerts), Encoding.UTF8, "application/json"));
            Assert.True(response.IsSuccessStatusCode, $"/alerts{route}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        await Eventually.True(() => _chat.AcceptedCount("slack-webhook") >= 1 && _chat.AcceptedCount("teams") >= 1
            && _chat.AcceptedCount("webhook") >= 1 && _chat.SlackApiAccepted.Count >= 1,
            () => $"deliveries to every working destination; got {string.Join(", ", _chat.Requests.Select(r => $"{r.Endpoint} {r.Status}"))}\n{_logs.Text}");
        await Eventually.True(() => _logs.Text.Contains("broken", StringComparison.Ordinal) && _logs.Text.Contains("Delivery of", StringComparison.Ordinal),
            "a logged delivery failure of the broken route");

        var bodies = _chat.AllBodies;
        var logs = _logs.Text;
        Assert.Contains("****", bodies);
        foreach (var needle in PlantedSecrets.Needles)
        {
            Assert.False(bodies.Contains(needle, StringComparison.Ordinal), $"planted secret in an outbound body: {needle}");
            Assert.False(logs.Contains(needle, StringComparison.Ordinal), $"planted secret in the log: {needle}");
        }
        foreach (var credential in new[] { "standinwebhooksecret0001", "standinteamssig0001", "standinwebhooktoken", ChatStandIn.BotToken,
                     SigningKey, "brokenTEAMSsig0001", "brokenWEBHOOKtoken0001", "brokenSLACKpath0001", "sha256=" })
            Assert.False(logs.Contains(credential, StringComparison.Ordinal), $"credential in the log: {credential}");

        var chatBodies = string.Join("\n", _chat.Requests.Where(r => r.Endpoint != "webhook").Select(r => r.Body));
        foreach (var mention in MentionGuardTests.Forbidden.Where(f => f != "](http"))
            Assert.False(chatBodies.Contains(mention, StringComparison.Ordinal), $"mention in a chat body: {mention}");
    }

    [Fact]
    public async Task TheGenericWebhookGetsOneSignedDocumentPerAlertEvenInAStorm()
    {
        var alerts = Enumerable.Range(0, 12).Select(i => Alert($"api-{i}", $"fp{i:00}")).ToList();
        var response = await _app.CreateClient().PostAsync("/alerts", new StringContent(Payload(alerts), Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode);
        await Eventually.True(() => _chat.AcceptedCount("webhook") == 12, "12 webhook documents");
        await Eventually.True(() => _chat.AcceptedCount("slack-webhook") == 1 && _chat.AcceptedCount("teams") == 1, "one digest per chat");
        Assert.Contains("12 pods crash looping", _chat.To("slack-webhook").Single().Body);

        foreach (var request in _chat.To("webhook"))
        {
            Assert.True(WebhookSignature.Verify(SigningKey, Encoding.UTF8.GetBytes(request.Body), request.Headers["X-Webhook-Signature"]));
            using var doc = JsonDocument.Parse(request.Body);
            Assert.Equal("1", doc.RootElement.GetProperty("schemaVersion").GetString());
        }
    }

    private static string Payload(IEnumerable<object>? alerts = null) => JsonSerializer.Serialize(new
    {
        version = "4", groupKey = "{}:{alertname=\"KubePodCrashLooping\"}", status = "firing", receiver = "crashloop",
        groupLabels = new { alertname = "KubePodCrashLooping" }, commonLabels = new { }, commonAnnotations = new { },
        externalURL = "http://alertmanager.monitoring:9093", truncatedAlerts = 0,
        alerts = alerts ?? [Alert("api-7d9f8b6c4-x2x9q", "fp-one")],
    });

    private static object Alert(string pod, string fingerprint)
    {
        var labels = new Dictionary<string, string>
        {
            ["alertname"] = "KubePodCrashLooping", ["namespace"] = "shop", ["pod"] = pod, ["container"] = "api",
            ["team"] = MentionGuardTests.Injection,
        };
        for (var i = 0; i < PlantedSecrets.All.Length; i++) labels[$"planted_{i}"] = PlantedSecrets.All[i].Text;
        return new
        {
            status = "firing", labels,
            annotations = new Dictionary<string, string>
            {
                ["description"] = "Pod is crash looping. " + MentionGuardTests.Injection,
                ["runbook_url"] = "https://runbooks.example/crashloop?token=SECRETrunbookTOKEN1",
            },
            startsAt = "2026-11-24T20:41:00Z", endsAt = "0001-01-01T00:00:00Z",
            generatorURL = "http://prometheus:9090/graph?g0.expr=up&access_token=SECRETgenTOKEN2", fingerprint,
        };
    }

    private sealed class PlantedCollector : IPodCollector
    {
        public Task<PodSnapshot> CollectAsync(AlertContext alert, CancellationToken cancellationToken) =>
            Task.FromResult(Samples.For(Causes.ConfigError, log: PlantedSecrets.CrashLog + "\n" + MentionGuardTests.Injection, pod: alert.Pod!).Snapshot);
    }

    /// <summary>A classifier that quotes the worst lines it saw, as a real one would when they are the evidence.</summary>
    private sealed class QuotingClassifier : ICrashClassifier
    {
        public CrashDiagnosis Classify(PodSnapshot snapshot) => Samples.For(Causes.ConfigError, pod: snapshot.PodName).Diagnosis with
        {
            Summary = "Start-up failed: " + PlantedSecrets.All[16].Text + " " + MentionGuardTests.Injection,
            Evidence = [.. PlantedSecrets.All.Select(s => new Evidence("log", s.Text.Split('\n')[0])), new Evidence("event", MentionGuardTests.Injection)],
        };
    }

    private sealed class LogSink : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();
        public string Text => string.Join('\n', _lines);
        public ILogger CreateLogger(string categoryName) => new Sink(this, categoryName);
        public void Dispose() { }

        private sealed class Sink(LogSink owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner._lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
        }
    }
}
