using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Webhook.Tests.Support;

namespace Webhook.Tests.Backbone;

public sealed class BasicAuthTests : IAsyncLifetime
{
    readonly WebhookApp _app = new(new Dictionary<string, string?>
    {
        ["Auth:BearerToken"] = "",
        ["Auth:Username"] = "alertmanager",
        ["Auth:Password"] = "s3cret",
    }, pipeline: false);

    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await _app.DisposeAsync();

    async Task<HttpResponseMessage> PostAs(string? user, string? password)
    {
        var client = _app.CreateClient();
        if (user is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        return await client.PostAsync("/alerts", new StringContent(Payloads.Group(Payloads.Alert("b")).ToJsonString(), Encoding.UTF8, "application/json"));
    }

    [Fact]
    public async Task TheConfiguredUserAndPasswordAreAccepted() =>
        Assert.Equal(HttpStatusCode.Accepted, (await PostAs("alertmanager", "s3cret")).StatusCode);

    [Fact]
    public async Task AWrongPasswordGets401WithABasicChallenge()
    {
        var response = await PostAs("alertmanager", "nope");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Basic", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task NoCredentialsGet401() =>
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAs(null, null)).StatusCode);
}
