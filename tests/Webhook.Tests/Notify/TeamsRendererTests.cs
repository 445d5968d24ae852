using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Webhook.Notify;
using Webhook.Notify.Content;
using Webhook.Notify.Safety;
using Webhook.Notify.Storm;
using Webhook.Notify.Teams;
using Webhook.Diagnosis;

namespace Webhook.Tests.Notify;

public partial class TeamsRendererTests
{
    private static readonly ContentBuilder Content = new(SecretRedactor.Default);
    private const char Nbsp = '\u00A0';

    /// <summary>
    /// What we may emit, per type, from the Adaptive Card schema 1.4 (fontType since 1.2, the rest since 1.0).
    /// Deliberately absent: Table, TextBlock style, rtl, Action tooltip/mode/isEnabled (1.5) and every action but
    /// Action.OpenUrl. "msteams" is Teams' own extension on the card.
    /// </summary>
    private static readonly Dictionary<string, string[]> Allowed14 = new()
    {
        ["AdaptiveCard"] = ["type", "$schema", "version", "body", "actions", "msteams"],
        ["TextBlock"] = ["type", "text", "wrap", "size", "weight", "color", "fontType", "isSubtle", "spacing", "separator"],
        ["FactSet"] = ["type", "facts", "spacing", "separator"],
        ["Container"] = ["type", "items", "style", "spacing", "separator"],
        ["Action.OpenUrl"] = ["type", "title", "url"],
    };

    private static readonly Dictionary<string, string[]> Values14 = new()
    {
        ["size"] = ["Small", "Default", "Medium", "Large", "ExtraLarge"],
        ["weight"] = ["Lighter", "Default", "Bolder"],
        ["color"] = ["Default", "Dark", "Light", "Accent", "Good", "Warning", "Attention"],
        ["fontType"] = ["Default", "Monospace"],
        ["spacing"] = ["None", "Small", "Default", "Medium", "Large", "ExtraLarge", "Padding"],
        ["style"] = ["default", "emphasis", "good", "attention", "warning", "accent"],
    };

    public static TheoryData<string> AllCards()
    {
        var data = new TheoryData<string>();
        foreach (var cause in Samples.Causes_) { data.Add(cause); data.Add(cause + "-resolved"); }
        data.Add("digest");
        return data;
    }

    private static JsonNode Card(string name)
    {
        TeamsMessage message;
        if (name == "digest")
        {
            var storm = Enumerable.Range(0, 12).Select(i => Samples.For(Causes.ConfigError, pod: $"p{i}")).ToList();
            var digest = StormDigest.From(storm, Content);
            message = TeamsRenderer.Simple("🔴 " + digest.Headline, digest.Lines);
        }
        else
        {
            var resolved = name.EndsWith("-resolved", StringComparison.Ordinal);
            var cause = resolved ? name[..^"-resolved".Length] : name;
            message = TeamsRenderer.Render(Content.Build(Samples.For(cause, status: resolved ? "resolved" : "firing")));
        }
        return JsonNode.Parse(TeamsJson.Serialize(message))!;
    }

    [Theory]
    [MemberData(nameof(SlackRendererTests.AllCauses), MemberType = typeof(SlackRendererTests))]
    public void EveryCauseIsAVersion14CardWithOnlyOpenUrlActions(string cause)
    {
        var json = TeamsJson.Serialize(TeamsRenderer.Render(Content.Build(Samples.For(cause))));
        var root = JsonNode.Parse(json)!;
        Assert.Equal("message", (string?)root["type"]);
        var attachment = root["attachments"]![0]!;
        Assert.Equal("application/vnd.microsoft.card.adaptive", (string?)attachment["contentType"]);
        Assert.True(attachment.AsObject().ContainsKey("contentUrl"));
        var card = attachment["content"]!;
        // A Workflows webhook cannot display a 1.5 card (microsoft/AdaptiveCards#8965).
        Assert.Equal("1.4", (string?)card["version"]);
        Assert.All(card["actions"]!.AsArray(), a => Assert.Equal("Action.OpenUrl", (string?)a!["type"]));
        Assert.DoesNotContain("Action.Submit", json);
    }

    [Theory]
    [MemberData(nameof(AllCards))]
    public void EveryCardUsesOnlyElementsPropertiesAndValuesOfSchema14(string name)
    {
        var card = Card(name)["attachments"]![0]!["content"]!.AsObject();
        Assert.Equal("1.4", (string?)card["version"]);
        var problems = new List<string>();
        Walk(card, "card", problems);
        Assert.Empty(problems);
    }

    private static void Walk(JsonObject o, string path, List<string> problems)
    {
        var type = (string?)o["type"] ?? "";
        if (!Allowed14.TryGetValue(type, out var allowed)) { problems.Add($"{path}: {type} is not one of ours in 1.4"); return; }
        foreach (var (key, value) in o)
        {
            if (!allowed.Contains(key)) problems.Add($"{path}: {type}.{key} is not allowed");
            if (Values14.TryGetValue(key, out var values) && !values.Contains((string?)value)) problems.Add($"{path}: {key}={value} is not a 1.4 value");
        }
        foreach (var key in new[] { "body", "items", "actions" })
            if (o[key] is JsonArray children)
                for (var i = 0; i < children.Count; i++) Walk(children[i]!.AsObject(), $"{path}.{key}[{i}]", problems);
        if (o["facts"] is JsonArray facts)
            foreach (var fact in facts)
                if (fact!.AsObject().Select(p => p.Key).Except(["title", "value"]).FirstOrDefault() is { } extra) problems.Add($"{path}: Fact.{extra}");
    }

    private static IEnumerable<JsonObject> TextBlocks(JsonNode node) => node switch
    {
        JsonObject o when (string?)o["type"] == "TextBlock" => [o],
        JsonObject o => o.SelectMany(p => p.Value is null ? [] : TextBlocks(p.Value)),
        JsonArray a => a.SelectMany(n => n is null ? [] : TextBlocks(n)),
        _ => [],
    };

    /// <summary>The log block: the monospace TextBlocks inside the emphasis container.</summary>
    private static List<string> LogLines(JsonNode root) =>
        TextBlocks(root["attachments"]![0]!["content"]!["body"]!.AsArray().OfType<JsonObject>()
            .Single(e => (string?)e["type"] == "Container")).Select(t => (string)t["text"]!).ToList();

    private static JsonNode Render(Notification n) => JsonNode.Parse(TeamsJson.Serialize(TeamsRenderer.Render(Content.Build(n))))!;

    [Fact]
    public void LogIndentationAndColumnsSurviveAsNoBreakSpaces()
    {
        var log = "Traceback (most recent call last):\n  File \"/app/main.py\", line 3, in <module>\n    main()\n"
                  + "java.lang.IllegalStateException: boom\n\tat com.shop.Catalog.load(Catalog.java:42)\n"
                  + "NAME      READY\n\nKeyError: 'DATABASE_URL'";
        var lines = LogLines(Render(Samples.For(Causes.ConfigError, log: log)));
        // Teams drops leading spaces and collapses runs (HTML whitespace); no-break spaces are kept as typed.
        Assert.Contains(new string(Nbsp, 2) + "File \"/app/main.py\", line 3, in <module>", lines);
        Assert.Contains(new string(Nbsp, 4) + "main()", lines);
        Assert.Contains(new string(Nbsp, 4) + "at com.shop.Catalog.load(Catalog.java:42)", lines);
        Assert.Contains("NAME" + new string(Nbsp, 6) + "READY", lines);
        // An empty line keeps its height; an empty TextBlock would collapse (or be refused).
        Assert.Contains(Nbsp.ToString(), lines);
        Assert.All(lines, l => Assert.False(l.Length == 0 || char.IsWhiteSpace(l[0]) && l[0] != Nbsp, $"line starts with a collapsible space: [{l}]"));
        Assert.DoesNotContain(lines, l => l.Contains('\t'));
    }

    [Fact]
    public void ProseHasNoBacktickCodeSpansAndUntrustedTextFormsNoMarkdown()
    {
        var n = Samples.For(Causes.ConfigError, log: "starting\n**PANIC** in __init__.py\n- not a list\n`KeyError`: 'DATABASE_URL'");
        n = n with
        {
            Diagnosis = n.Diagnosis with
            {
                // Text.Quote in the classifier wraps quoted log lines in backticks, as Slack shows them.
                Summary = "The app exited with `KeyError: 'DATABASE_URL'`.",
                Remediation = ["End the entrypoint with `exec \"$@\"`, no trailing `&`", "**Bold** from a _log_ in /app/__init__.py", "# not a heading", "1. not a list"],
            },
        };
        var root = Render(n);
        var log = LogLines(root);
        var prose = TextBlocks(root).Where(t => (string?)t["fontType"] != "Monospace").Select(t => (string)t["text"]!).ToList();
        var facts = root["attachments"]![0]!["content"]!["body"]!.AsArray().OfType<JsonObject>()
            .Where(e => (string?)e["type"] == "FactSet").SelectMany(f => f["facts"]!.AsArray()).Select(f => (string)f!["value"]!);

        Assert.DoesNotContain(prose.Concat(facts), t => CodeSpan().IsMatch(t));
        Assert.Contains("The app exited with “KeyError: 'DATABASE_URL'”.", prose);
        Assert.Contains(prose, t => t.Contains("“exec \"$@\"”, no trailing “&”"));
        // Emphasis characters from untrusted text are escaped; an identifier's inner underscore is left alone.
        Assert.Contains(prose, t => t.Contains(@"\*\*Bold\*\* from a \_log\_ in /app/\_\_init\_\_.py"));
        Assert.Contains(prose, t => t.Contains("DATABASE_URL"));
        // A list marker or heading at the start of a line gets an invisible word joiner in front.
        Assert.Contains(prose, t => t.Contains("\u2060# not a heading"));
        Assert.Contains(prose, t => t.Contains("\u20601. not a list"));
        Assert.Contains(@"\*\*PANIC\*\* in \_\_init\_\_.py", log);
        Assert.Contains("\u2060- not a list", log);
        // In the log, backticks are the log's own characters: kept as written.
        Assert.Contains("`KeyError`: 'DATABASE_URL'", log);
        // Our own markup is the markdown Teams renders: bold for the resolved line, italic for the gaps.
        Assert.DoesNotContain(prose, t => t.Contains("```") || t.StartsWith('#'));
    }

    [Fact]
    public void CommandsKeepOrdinarySpacesSoTheyCanBePasted()
    {
        var n = Samples.For(Causes.ConfigError);
        n = n with { Diagnosis = n.Diagnosis with { Commands = ["kubectl -n shop get secret api_env -o jsonpath='{.data}'"] } };
        var root = Render(n);
        var command = TextBlocks(root).Select(t => (string)t["text"]!).Single(t => t.StartsWith("kubectl", StringComparison.Ordinal));
        Assert.Equal("kubectl -n shop get secret api_env -o jsonpath='{.data}'", command);
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

    [Fact]
    public void AnIndentedLogFullOfMarkdownCharactersStillFitsUnder28Kilobytes()
    {
        // No-break spaces and backslashes make a line longer in JSON than in the log: the budget must still hold.
        var lines = Enumerable.Range(0, 5_000).Select(i => $"\t\t  * __{i}__ **x** `y`   z").ToList();
        var json = TeamsJson.Serialize(TeamsRenderer.Render(Content.Build(Samples.For(Causes.ApplicationError, log: string.Join('\n', lines)))));
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(json) <= TeamsLimits.TargetMessageBytes);
    }

    [GeneratedRegex("`[^`\n]+`")]
    private static partial Regex CodeSpan();
}
