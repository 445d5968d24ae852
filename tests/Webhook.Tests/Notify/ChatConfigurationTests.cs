using Webhook.Tests.Support;

namespace Webhook.Tests.Notify;

/// <summary>A bad chat setting stops the service at start with one line naming the key, never quoting a credential.</summary>
public sealed class ChatConfigurationTests
{
    [Theory]
    [InlineData("Routes:a:Slack:BotToken", "xoxb-1234567890-LEAKME0001", "Routes:a:Slack:Channel")]
    [InlineData("Routes:a:Slack:WebhookUrl", "hooks.slack.com/services/T/B/LEAKME0002", "Routes:a:Slack:WebhookUrl")]
    [InlineData("Routes:a:Teams:WorkflowUrl", "ftp://prod.example/workflows?sig=LEAKME0003", "Routes:a:Teams:WorkflowUrl")]
    [InlineData("Redaction:ExtraPatterns:0", "(LEAKME0004", "Redaction:ExtraPatterns:0")]
    [InlineData("Storm:Threshold", "0", "Threshold")]
    [InlineData("Delivery:FailureRatio", "2", "FailureRatio")]
    public async Task ABadChatSettingStopsTheServiceNamingTheKeyButNotTheValue(string key, string value, string named)
    {
        using var temp = TestTemp.NewFolder();
        var inbox = temp.File("inbox.db");
        await using var service = ServiceProcess.Start(new Dictionary<string, string> { ["Inbox:Path"] = inbox, [key] = value });

        var exitCode = await service.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.NotEqual(0, exitCode);
        Assert.Contains(named, service.Output);
        Assert.DoesNotContain("LEAKME", service.Output);
        Assert.DoesNotContain("   at ", service.Output);
    }
}
