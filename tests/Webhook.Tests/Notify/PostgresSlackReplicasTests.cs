using Microsoft.Extensions.Options;
using Npgsql;
using Webhook.Diagnosis;
using Webhook.Inbox;
using Webhook.Notify.Http;
using Webhook.Notify.Slack;
using static Webhook.Tests.Notify.NotifyTestKit;

namespace Webhook.Tests.Notify;

/// <summary>
/// Two replicas' Slack notifiers (each its own <see cref="PostgresInbox"/> database handle and store, as two
/// processes have) on one PostgreSQL database and one Slack Web API stand-in: an incident stays one message when
/// both see a pod of it at the same moment, and closes once when its pods resolve on both at once.
/// </summary>
[Collection(nameof(PostgresCollection))]
public sealed class PostgresSlackReplicasTests(PostgresServer server) : IAsyncLifetime
{
    ChatStandIn _chat = null!;
    readonly List<PostgresInbox> _databases = [];
    string _connectionString = "";

    public async Task InitializeAsync()
    {
        _chat = await ChatStandIn.StartAsync();
        // Paced per channel in the service, not here: the steps of two replicas follow each other within a second.
        _chat.EnforceSlackPace = false;
        _connectionString = await server.ConnectionStringAsync("slack_replicas", $"t{Guid.NewGuid():n}");
    }

    async Task<SlackApiNotifier> ReplicaAsync()
    {
        var database = await PostgresServer.OpenInboxAsync(_connectionString, TimeProvider.System);
        _databases.Add(database);
        var store = new PostgresSlackIncidentStore(database, Options.Create(new SlackStoreOptions()), TimeProvider.System);
        return new SlackApiNotifier("default/slack", ChatStandIn.Channel,
            new SlackApiClient(new Secret(ChatStandIn.BotToken), new Uri(_chat.SlackApiBase), Http()), store, Content, TimeProvider.System);
    }

    static Notification Fire(string pod) => Samples.For(Causes.ConfigError, pod: pod);
    static Notification Resolve(string pod) => Samples.For(Causes.ConfigError, pod: pod, status: "resolved");

    /// <summary>Sessions waiting for an advisory lock: a replica queued behind the other's conversation.</summary>
    async Task<bool> SomeoneWaitsForAnAdvisoryLockAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted", connection);
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }

    [Fact]
    public async Task TwoPodsOfOneWorkloadSeenByTwoReplicasAtOnceMakeOneMessageAndItClosesOnce()
    {
        var (a, b) = (await ReplicaAsync(), await ReplicaAsync());

        // Replica A's post reached Slack but its answer is held: A has not recorded the incident yet. Replica B, with
        // another pod of the same workload at that moment, must wait for A rather than find no incident and post.
        var hold = new TaskCompletionSource();
        _chat.HoldFromPost = 0;
        _chat.HoldSlackApiAnswers = hold.Task;
        var first = a.SendAsync(Fire("api-1"), default);
        await Eventually.True(() => _chat.SlackApiAccepted.Count == 1, "replica A's post reached the stand-in");
        var second = b.SendAsync(Fire("api-2"), default);
        await Eventually.TrueAsync(SomeoneWaitsForAnAdvisoryLockAsync, TimeSpan.FromSeconds(20), "replica B waits for A's conversation");
        Assert.False(second.IsCompleted);
        _chat.HoldSlackApiAnswers = null;
        hold.SetResult();
        Assert.IsType<DeliveryOutcome.Delivered>(await first);
        Assert.IsType<DeliveryOutcome.Delivered>(await second);

        var top = Assert.Single(_chat.SlackApiAccepted, p => p.Method == "chat.postMessage" && p.ThreadTs is null);
        Assert.Single(_chat.SlackApiAccepted, p => p.Method == "chat.postMessage" && p.ThreadTs == top.Ts);

        // Both pods recover at once, one on each replica: one of them is the last, and the message is updated once.
        var resolved = await Task.WhenAll(a.SendAsync(Resolve("api-1"), default), b.SendAsync(Resolve("api-2"), default));
        Assert.All(resolved, r => Assert.IsType<DeliveryOutcome.Delivered>(r));
        var update = Assert.Single(_chat.SlackApiAccepted, p => p.Method == "chat.update");
        Assert.Equal(top.Ts, update.Ts);
        Assert.Single(_chat.SlackApiAccepted, p => p.Method == "chat.postMessage" && p.ThreadTs is null);

        // Closed for both: the next fire on either replica opens a new message.
        Assert.IsType<DeliveryOutcome.Delivered>(await b.SendAsync(Fire("api-3"), default));
        Assert.Equal(2, _chat.SlackApiAccepted.Count(p => p.Method == "chat.postMessage" && p.ThreadTs is null));
    }

    public async Task DisposeAsync()
    {
        foreach (var database in _databases) await database.DisposeAsync();
        await _chat.DisposeAsync();
    }
}
