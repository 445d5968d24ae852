using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Webhook.Alerts;
using Webhook.Inbox;

namespace Webhook.Tests.Backbone;

/// <summary>
/// The comparison rows of tests/bench/intake.sh only mean something if these endpoints (added by the test host,
/// tests/Webhook.TestHost) do what the report says.
/// </summary>
public sealed class BenchmarkEndpointTests : IAsyncLifetime
{
    readonly WebhookApp _app = new(pipeline: false, benchmarkEndpoints: true);

    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await _app.DisposeAsync();

    static StringContent Group(string fingerprint) =>
        new(Payloads.Group(Payloads.Alert(fingerprint)).ToJsonString(), Encoding.UTF8, "application/json");

    [Fact]
    public async Task TheIntakeWithoutCommitChecksLikeAlertsButStoresNothing()
    {
        var client = _app.CreateAuthorizedClient();

        var accepted = await client.PostAsync("/bench/intake-without-commit", Group("bench-1"));
        var invalid = await client.PostAsync("/bench/intake-without-commit", new StringContent("""{"alerts":[{}]}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal(new IntakeResult(1, 0, 0), await accepted.Content.ReadFromJsonAsync<IntakeResult>());
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal(0, (await _app.Services.GetRequiredService<SqliteInbox>().CountsAsync(default)).Pending);
    }

    [Fact]
    public async Task TheIntakeWithoutCommitAsksForTheSameCredentials()
    {
        var response = await _app.CreateClient().PostAsync("/bench/intake-without-commit", Group("bench-2"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task TheServiceItselfHasNoBenchmarkEndpoint()
    {
        await using var app = new WebhookApp(pipeline: false);

        var response = await app.CreateAuthorizedClient().PostAsync("/bench/intake-without-commit", Group("bench-3"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
