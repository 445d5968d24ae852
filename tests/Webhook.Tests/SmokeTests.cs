using Microsoft.AspNetCore.Mvc.Testing;

namespace Webhook.Tests;

public class SmokeTests(WebApplicationFactory<Program> factory) : IClassFixture<WebApplicationFactory<Program>>
{
    [Fact]
    public async Task HealthzAnswersOk()
    {
        var response = await factory.CreateClient().GetAsync("/healthz");
        Assert.True(response.IsSuccessStatusCode);
    }
}
