using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Webhook.Alerts;
using Webhook.Collect;
using Webhook.Diagnosis;
using Webhook.Inbox;
using Webhook.Tests.Support;

namespace Webhook.Tests.Notify;

/// <summary>
/// The service as shipped (intake, inbox, pipeline, delivery stage, storm gates, real HTTP) in process, pointed at
/// a <see cref="ChatStandIn"/>. Only the Kubernetes side is swapped: pods named cache-* are OOM killed in workload
/// cache, every other pod has a config error in workload api.
/// </summary>
public sealed class ChatService : IAsyncDisposable
{
    private readonly WebhookApp _app;
    public WebApplicationFactory<Program> Factory { get; }
    public ListLoggerProvider Logs { get; } = new();
    public string InboxPath { get; }

    private ChatService(WebhookApp app, WebApplicationFactory<Program> factory, string inboxPath)
    {
        _app = app;
        Factory = factory;
        InboxPath = inboxPath;
    }

    /// <param name="services">Replaces parts of the host that are not ours to test (e.g. its clock), after the service's own.</param>
    public static ChatService Start(IDictionary<string, string?> settings, string? inboxPath = null, Action<IServiceCollection>? services = null)
    {
        var all = new Dictionary<string, string?>(settings);
        if (inboxPath is not null) all["Inbox:Path"] = inboxPath;
        var app = new WebhookApp(all);
        ChatService? service = null;
        var factory = app.WithWebHostBuilder(b => b
            .ConfigureTestServices(s =>
            {
                s.AddSingleton<IPodCollector, SampleCollector>();
                services?.Invoke(s);
            })
            .ConfigureLogging(l => l.AddProvider(service!.Logs)));
        service = new ChatService(app, factory, inboxPath ?? app.InboxPath);
        _ = factory.Server;
        return service;
    }

    public SqliteInbox Inbox => Factory.Services.GetRequiredService<SqliteInbox>();
    public T Get<T>() where T : notnull => Factory.Services.GetRequiredService<T>();

    public async Task PostAsync(string route, JsonObject group)
    {
        using var client = Factory.CreateAuthorizedClient();
        var response = await client.PostAsync("/alerts" + route,
            new StringContent(group.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    public async Task DeliveredAsync(int items, TimeSpan? within = null) =>
        await Eventually.True(() => Inbox.CountsAsync(default).GetAwaiter().GetResult().Delivered == items,
            () => $"{items} delivered item(s); {Inbox.CountsAsync(default).GetAwaiter().GetResult()}", within);

    /// <summary>Every item's last failure reason, read from the inbox file itself.</summary>
    public IReadOnlyList<string> LastErrors()
    {
        using var db = new SqliteConnection($"Data Source={InboxPath};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT last_error FROM items WHERE last_error IS NOT NULL";
        using var r = cmd.ExecuteReader();
        var errors = new List<string>();
        while (r.Read()) errors.Add(r.GetString(0));
        return errors;
    }

    /// <summary>Alertmanager's webhook body: one group of firing or resolved alerts for pods by name.</summary>
    public static JsonObject Group(string groupKey, string status, IEnumerable<string> pods) =>
        Group(groupKey, pods.Select(p => Payloads.Alert("fp-" + p, status: status, pod: p)).ToArray());

    public static JsonObject Group(string groupKey, params JsonObject[] alerts)
    {
        var group = Payloads.Group(alerts);
        group["groupKey"] = groupKey;
        return group;
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await _app.DisposeAsync();
    }

    private sealed class SampleCollector : IPodCollector
    {
        public Task<PodSnapshot> CollectAsync(AlertContext alert, CancellationToken cancellationToken) =>
            Task.FromResult(alert.Pod!.StartsWith("cache-", StringComparison.Ordinal)
                ? Samples.For(Causes.OomKilled, pod: alert.Pod!, workload: "cache").Snapshot
                : Samples.For(Causes.ConfigError, pod: alert.Pod!).Snapshot);
    }
}
