using Webhook.Notify.Content;
using Webhook.Notify.Safety;
using Webhook.Notify.Slack;
using Webhook.Notify.Teams;
using Webhook.Diagnosis;

namespace Webhook.Tests.Notify;

public class MentionGuardTests
{
    public const string Injection = "<!channel> <!here|here> <!everyone> <@U024BE7LH> <!subteam^S123> @channel @here @everyone <at>Jane</at> [click](http://evil.example) & more";

    /// <summary>Forms that would notify someone if they reached Slack or Teams as written.</summary>
    public static readonly string[] Forbidden = ["<!channel>", "<!here", "<!everyone>", "<@U", "<!subteam", "@channel", "@here", "@everyone", "<at>", "</at>", "](http"];

    [Fact]
    public void SlackEscapingLeavesNoMentionAndEscapesTheThreeControlCharacters()
    {
        var escaped = SlackText.Escape(Injection);
        foreach (var f in Forbidden.Where(f => f != "](http")) Assert.DoesNotContain(f, escaped);
        Assert.Contains("&lt;!channel&gt;", escaped);
        Assert.Contains("&amp; more", escaped);
    }

    [Fact]
    public void TeamsTextLeavesNoMentionTagOrMarkdownLink()
    {
        var escaped = TeamsText.Escape(Injection);
        foreach (var f in new[] { "@channel", "@here", "@everyone", "<at>", "</at>", "](http" }) Assert.DoesNotContain(f, escaped);
    }

    [Fact]
    public void MentionsInLogsLabelsAndSummaryNeverReachARenderedMessage()
    {
        var n = Samples.For(Causes.ConfigError, log: "starting\n" + Injection + "\nKeyError: 'DATABASE_URL'",
            extraLabels: new Dictionary<string, string> { ["team"] = Injection });
        n = n with { Diagnosis = n.Diagnosis with { Summary = Injection, Remediation = [Injection] } };
        var content = new ContentBuilder(SecretRedactor.Default).Build(n);
        var slack = SlackJson.Serialize(SlackRenderer.Render(content));
        var teams = TeamsJson.Serialize(TeamsRenderer.Render(content));
        // Slack does not render markdown links, so "](http" only matters for Teams.
        foreach (var f in Forbidden.Where(f => f != "](http")) Assert.DoesNotContain(f, slack);
        foreach (var f in Forbidden) Assert.DoesNotContain(f, teams);
    }

    [Fact]
    public void ALinkFromAnAnnotationMustBeHttp()
    {
        Assert.Null(SlackText.Link("javascript:alert(1)", "x"));
        Assert.Equal("<https://a.example/x%7Cy|Runbook>", SlackText.Link("https://a.example/x|y", "Runbook"));
    }
}
