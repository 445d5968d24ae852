using System.Text;

namespace Webhook.Tests.Observability;

/// <summary>The service's own log lines go through the secret redactor, in both log formats.</summary>
public sealed class LogRedactionTests
{
    const string Token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";

    [Theory]
    [InlineData("simple")]
    [InlineData("json")]
    public async Task ASecretInAnAlertLabelNeverReachesTheServiceLog(string format)
    {
        using var temp = TestTemp.NewFolder();
        var settings = new Dictionary<string, string>
        {
            ["Inbox:Path"] = temp.File("inbox.db"),
            ["Auth:BearerToken"] = WebhookApp.Token,
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:Format"] = format,
        };
        await using var service = ServiceProcess.Start(settings);
        await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(30));

        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", WebhookApp.Token);
        var group = Payloads.Group(Payloads.Alert("leaky", pod: $"api-{Token}"));
        var response = await http.PostAsync($"{service.BaseUrl}/alerts", new StringContent(group.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode);

        await Eventually.TrueAsync(() => service.Output.Contains("Delivered"), TimeSpan.FromSeconds(20), "the delivery to be logged");
        Assert.DoesNotContain(Token, service.Output);
        Assert.Contains("api-ghp_****", service.Output);
    }
}
