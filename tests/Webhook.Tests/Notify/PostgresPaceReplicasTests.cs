using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Webhook.Tests.Storage;

namespace Webhook.Tests.Notify;

/// <summary>
/// Three replicas of the service as shipped (each its own host, inbox workers, delivery stage) on one PostgreSQL
/// database, all posting to one Slack incoming webhook at its shipped pace (1 a second, bursts of 3). Their clock is
/// one the test moves, so what the pace allows is a count per step of the clock, whatever the machine's speed: after
/// each step the test waits until no item is due or in flight (nothing more can go until the clock moves) and counts
/// the stand-in's accepted posts. Per replica, the paces would let three times as many through.
/// </summary>
[Collection(nameof(PostgresCollection))]
public sealed class PostgresPaceReplicasTests(PostgresServer server) : IAsyncLifetime
{
    ChatStandIn _chat = null!;
    readonly List<ChatService> _services = [];
    readonly ManualClock _clock = new() { Now = DateTimeOffset.UtcNow };
    string _connectionString = "";

    public async Task InitializeAsync()
    {
        // The stand-in's own pace runs on real time; here the service's clock is the test's.
        _chat = await ChatStandIn.StartAsync();
        _chat.EnforceSlackPace = false;
        _connectionString = await server.ConnectionStringAsync("pace_replicas", $"t{Guid.NewGuid():n}");
    }

    ChatService Replica()
    {
        var service = ChatService.Start(new Dictionary<string, string?>
        {
            ["Routes:default:Slack:WebhookUrl"] = _chat.SlackWebhookUrl,
            ["Inbox:Provider"] = "postgres",
            ["Inbox:ConnectionString"] = _connectionString,
            // Every alert is its own post: no storm digest.
            ["Storm:Threshold"] = "1000",
        }, services: s => s.AddSingleton<TimeProvider>(_clock));
        _services.Add(service);
        return service;
    }

    /// <summary>Until no item is due or in flight by the test's clock: no replica can post before the clock moves.</summary>
    async Task<int> SettledAsync(int items)
    {
        async Task<(long Total, long Open, long Delivered)> Read()
        {
            await using var connection = new NpgsqlConnection(_connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("""
                SELECT count(*),
                       count(*) FILTER (WHERE state = 'inflight' OR (state = 'pending' AND next_attempt_at <= @now)),
                       count(*) FILTER (WHERE state = 'delivered')
                FROM inbox_items
                """, connection);
            command.Parameters.AddWithValue("now", _clock.Now.ToUnixTimeMilliseconds());
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        }
        var last = (0L, 0L, 0L);
        await Eventually.TrueAsync(async () => (last = await Read()) is var (total, open, _) && total == items && open == 0,
            TimeSpan.FromSeconds(60), "no item due or in flight");
        Assert.Equal(last.Item3, _chat.AcceptedCount("slack-webhook"));
        return _chat.AcceptedCount("slack-webhook");
    }

    [Fact]
    public async Task ThreeReplicasPostToOneChannelAtItsPaceNotThreeTimesIt()
    {
        var replicas = new[] { Replica(), Replica(), Replica() };
        const int Items = 12;
        for (var i = 0; i < Items; i++)
            await replicas[i % 3].PostAsync("", ChatService.Group($"g{i}", "firing", [$"api-{i}"]));

        // The burst of the one channel, though each replica had posts to make.
        Assert.Equal(3, await SettledAsync(Items));
        // Then one a second.
        for (var second = 1; second <= 3; second++)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(3 + second, await SettledAsync(Items));
        }
        // After a quiet spell, a burst again; then the rest, one a second.
        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(9, await SettledAsync(Items));
        for (var second = 1; second <= 3; second++)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(9 + second, await SettledAsync(Items));
        }
        Assert.All(_chat.To("slack-webhook"), r => Assert.True(r.Accepted));
    }

    public async Task DisposeAsync()
    {
        foreach (var service in _services) await service.DisposeAsync();
        await _chat.DisposeAsync();
    }
}
