using System.Net;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Webhook.Inbox;
using Webhook.Tests.Support;

namespace Webhook.Tests.Backbone;

/// <summary>When the inbox cannot commit, Alertmanager must get a 5xx so that it retries.</summary>
public sealed class InboxLockedTests : IAsyncLifetime
{
    readonly WebhookApp _app = new(new Dictionary<string, string?>
    {
        ["Inbox:BusyTimeout"] = "00:00:00.200",
    }, pipeline: false);

    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task ALockedInboxAnswers503AndNotReadyThenRecovers()
    {
        var client = _app.CreateAuthorizedClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);

        await using (var locker = new SqliteConnection($"Data Source={_app.InboxPath};Pooling=False"))
        {
            await locker.OpenAsync();
            using var command = locker.CreateCommand();
            command.CommandText = "BEGIN EXCLUSIVE;";
            await command.ExecuteNonQueryAsync();

            var response = await client.PostAsync("/alerts", new StringContent(Payloads.Group(Payloads.Alert("locked")).ToJsonString(), Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/readyz")).StatusCode);

            command.CommandText = "ROLLBACK;";
            await command.ExecuteNonQueryAsync();
        }

        var retried = await client.PostAsync("/alerts", new StringContent(Payloads.Group(Payloads.Alert("locked")).ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        Assert.Equal(1, (await _app.Services.GetRequiredService<SqliteInbox>().CountsAsync(default)).Pending);
    }
}
