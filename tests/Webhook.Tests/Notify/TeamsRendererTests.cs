using System.Text.Json.Nodes;
using Webhook.Notify.Content;
using Webhook.Notify.Safety;
using Webhook.Notify.Teams;
using Webhook.Diagnosis;

namespace Webhook.Tests.Notify;

public class TeamsRendererTests
{
    private static readonly ContentBuilder Content = new(SecretRedactor.Default);

    [Theory]
    [MemberData(nameof(SlackRendererTests.AllCauses), MemberType = typeof(SlackRendererTests))]
    public void EveryCauseIsAVersion15CardWithOnlyOpenUrlActions(string cause)
    {
        var json = TeamsJson.Serialize(TeamsRenderer.Render(Content.Build(Samples.For(cause))));
        var root = JsonNode.Parse(json)!;
        Assert.Equal("message", (string?)root["type"]);
        var attachment = root["attachments"]![0]!;
        Assert.Equal("application/vnd.microsoft.card.adaptive", (string?)attachment["contentType"]);
        Assert.True(attachment.AsObject().ContainsKey("contentUrl"));
        var card = attachment["content"]!;
        Assert.Equal("1.5", (string?)card["version"]);
        Assert.All(card["actions"]!.AsArray(), a => Assert.Equal("Action.OpenUrl", (string?)a!["type"]));
        Assert.DoesNotContain("Action.Submit", json);
    }

    [Fact]
    public void AHugeLogStillFitsUnder28KilobytesWithMarginAndKeepsTheEvidence()
    {
        var lines = Enumerable.Range(0, 20_000).Select(i => $"INFO ünïcödé line {i} " + new string('x', 100)).ToList();
        lines[10_000] = "java.lang.OutOfMemoryError: Java heap space";
        var json = TeamsJson.Serialize(TeamsRenderer.Render(Content.Build(Samples.For(Causes.RuntimeOutOfMemory, log: string.Join('\n', lines)))));
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(json) <= TeamsLimits.TargetMessageBytes);
        Assert.Contains("java.lang.OutOfMemoryError: Java heap space", json);
        Assert.Contains(lines[^1][..30], json);
    }
}
