using System.Text.Json.Nodes;
using Webhook.Notify.Content;
using Webhook.Notify.Safety;
using Webhook.Notify.Slack;
using Webhook.Notify.Teams;
using Webhook.Diagnosis;

namespace Webhook.Tests.Notify;

public class SlackRendererTests
{
    private static readonly ContentBuilder Content = new(SecretRedactor.Default);

    public static TheoryData<string> AllCauses() => new(Samples.Causes_);

    [Theory]
    [MemberData(nameof(AllCauses))]
    public void EveryCauseRendersWithinSlacksLimits(string cause)
    {
        var json = SlackJson.Serialize(SlackRenderer.Render(Content.Build(Samples.For(cause))));
        Assert.Null(ChatStandIn.SlackLimitError(json));
        var root = JsonNode.Parse(json)!;
        Assert.Equal("header", (string?)root["blocks"]![0]!["type"]);
        Assert.Contains(CauseText.Words(cause), (string?)root["blocks"]![0]!["text"]!["text"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)root["text"]));
    }

    [Fact]
    public void AHugeLogIsCutButKeepsTheEvidenceLineAndTheLastLine()
    {
        var lines = Enumerable.Range(0, 5000).Select(i => $"INFO line {i} " + new string('x', 80)).ToList();
        lines[2500] = "KeyError: 'DATABASE_URL'";
        lines.Add("panic: the very last line");
        var json = SlackJson.Serialize(SlackRenderer.Render(Content.Build(Samples.For(Causes.ConfigError, log: string.Join('\n', lines)))));
        Assert.Null(ChatStandIn.SlackLimitError(json));
        Assert.Contains("KeyError: 'DATABASE_URL'", json);
        Assert.Contains("panic: the very last line", json);
        Assert.Contains("lines cut", json);
    }

    [Fact]
    public void LongFieldsAndManyEvidenceLinesStayWithinLimits()
    {
        var n = Samples.For(Causes.ApplicationError);
        n = n with
        {
            Diagnosis = n.Diagnosis with
            {
                Summary = new string('s', 10_000),
                Evidence = Enumerable.Range(0, 200).Select(i => new Evidence("event", new string('e', 300) + i)).ToList(),
                Remediation = Enumerable.Range(0, 100).Select(i => new string('r', 200)).ToList(),
            },
            Snapshot = n.Snapshot with { Workload = n.Snapshot.Workload! with { Name = new string('w', 400), Changes = [new string('c', 5000)] } },
        };
        var json = SlackJson.Serialize(SlackRenderer.Render(Content.Build(n)));
        Assert.Null(ChatStandIn.SlackLimitError(json));
    }

    [Fact]
    public void TheContextLineCarriesConfidenceRunbookGraphAndASilenceLink()
    {
        var json = SlackJson.Serialize(SlackRenderer.Render(Content.Build(Samples.For(Causes.OomKilled))));
        Assert.Contains("confidence 90%", json);
        Assert.Contains("|Runbook>", json);
        Assert.Contains("|Prometheus>", json);
        Assert.Contains("http://alertmanager.monitoring:9093/#/silences/new?filter=%7Balertname%3D%22KubePodCrashLooping%22", json);
    }

    [Fact]
    public void FactsNameTheExitSignalRestartsOwnerAndImage()
    {
        var json = SlackJson.Serialize(SlackRenderer.Render(Content.Build(Samples.For(Causes.OomKilled))));
        Assert.Contains("137 (SIGKILL) OOMKilled", json);
        Assert.Contains("*Restarts*\\n12", json);
        Assert.Contains("Deployment api, revision 7", json);
        Assert.Contains("registry.example/shop/api:1.9.0", json);
        Assert.Contains("20:40:00 → 20:40:28 UTC (28s)", json);
    }
}

public class RenderingEdgeTests
{
    private static readonly ContentBuilder Content = new(SecretRedactor.Default);

    [Fact]
    public void AnAlertWhosePodIsGoneStillRendersForEveryChat()
    {
        var n = Samples.For(Causes.Unknown);
        n = n with
        {
            Snapshot = Webhook.Collect.PodSnapshot.AlertOnly("shop", "api-7d9f8b6c4-x2x9q", "api", "pod no longer exists"),
            Diagnosis = new CrashDiagnosis { Cause = Causes.Unknown, Summary = "The pod is gone; nothing to read." },
        };
        var c = Content.Build(n);
        Assert.Equal("pod shop/api-7d9f8b6c4-x2x9q", c.Workload);
        Assert.Null(ChatStandIn.SlackLimitError(SlackJson.Serialize(SlackRenderer.Render(c))));
        Assert.True(TeamsJson.Utf8Size(TeamsRenderer.Render(c)) < TeamsLimits.TargetMessageBytes);
    }

    [Fact]
    public void LogsFullOfEmojiAndLongLinesAreNeverCutInsideACharacter()
    {
        var line = string.Concat(Enumerable.Repeat("💥x", 700));
        var log = string.Join('\n', Enumerable.Range(0, 400).Select(i => (i % 2 == 0 ? "" : "y") + line));
        var c = Content.Build(Samples.For(Causes.NativeCrash, log: log));
        foreach (var json in new[] { SlackJson.Serialize(SlackRenderer.Render(c)), TeamsJson.Serialize(TeamsRenderer.Render(c)) })
        {
            for (var i = 0; i < json.Length; i++)
            {
                if (char.IsHighSurrogate(json[i])) Assert.True(i + 1 < json.Length && char.IsLowSurrogate(json[i + 1]), $"lone high surrogate at {i}");
                else if (char.IsLowSurrogate(json[i])) Assert.True(i > 0 && char.IsHighSurrogate(json[i - 1]), $"lone low surrogate at {i}");
            }
            // The serializer writes astral characters as escaped pairs; a lone escaped half would be a cut character.
            Assert.DoesNotMatch(@"(?i)\\uD[89AB][0-9A-F]{2}(?!\\uD[C-F])", json);
            Assert.DoesNotContain("\uFFFD", json);
        }
        Assert.Null(ChatStandIn.SlackLimitError(SlackJson.Serialize(SlackRenderer.Render(c))));
    }
}
