using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Webhook.Diagnosis;
using Webhook.Notify.Content;
using Webhook.Notify.Slack;
using Webhook.Notify.Storm;
using Webhook.Notify.Teams;
using static Webhook.Tests.Notify.NotifyTestKit;

namespace Webhook.Tests.Notify;

/// <summary>
/// Rendered payloads against the real definitions: Slack messages type-check against @slack/types with tsc, and
/// Teams cards parse, validate (as Adaptive Card 1.4, what a Workflows webhook displays) and render with the
/// adaptivecards package in headless Chromium. The tools come from tests/setup/payload-checks.sh; when they are
/// absent the tests are skipped, when present they must pass. Nothing here writes a tracked file.
/// </summary>
public partial class PayloadCheckTests
{
    private static string Node => ExternalTool.Which("node") ?? "";
    private static string Chromium => ExternalTool.Which("chromium", "chromium-browser") ?? "";
    private static readonly string Modules = Path.Combine(ExternalTool.PayloadChecks, "node_modules");

    private static void SkipUnlessInstalled(bool chromium)
    {
        // tests/run.sh installs the tools first and sets this, so CI never passes by skipping.
        if (Environment.GetEnvironmentVariable("WEBHOOK_TESTS_REQUIRE_TOOLS") == "1")
        {
            Assert.True(Node.Length > 0, "node is not installed");
            Assert.True(Directory.Exists(Path.Combine(Modules, "@slack", "types")) && Directory.Exists(Path.Combine(Modules, "adaptivecards")),
                "tests/payload-checks/node_modules is missing");
            Assert.False(chromium && Chromium.Length == 0, "chromium is not installed");
            return;
        }
        Skip.If(Node.Length == 0, "node is not installed (run tests/setup/payload-checks.sh)");
        Skip.IfNot(Directory.Exists(Path.Combine(Modules, "@slack", "types")) && Directory.Exists(Path.Combine(Modules, "adaptivecards")),
            "tests/payload-checks/node_modules is missing (run tests/setup/payload-checks.sh)");
        Skip.If(chromium && Chromium.Length == 0, "chromium is not installed (run tests/setup/payload-checks.sh)");
    }

    /// <summary>Every message the service can post to Slack: per cause fire, re-fire reply, resolved update and reply; digests; a huge log.</summary>
    private static IEnumerable<(string Name, SlackMessage Message)> SlackMessages()
    {
        foreach (var cause in Samples.Causes_)
        {
            var fire = Content.Build(Samples.For(cause));
            var message = SlackRenderer.Render(fire) with { Channel = "C0CHANNEL" };
            yield return ($"{cause}", message);
            yield return ($"{cause}-refire", SlackRenderer.RefireReply(fire) with { Channel = "C0CHANNEL", ThreadTs = "1700000000.000100" });
            var resolved = Content.Build(Samples.For(cause, status: "resolved"));
            yield return ($"{cause}-resolved", SlackRenderer.MarkResolved(message, resolved) with { Ts = "1700000000.000100" });
            yield return ($"{cause}-resolved-reply", SlackRenderer.ResolvedReply(resolved));
        }
        var lines = Enumerable.Range(0, 3000).Select(i => $"line {i} <tag> & \"quotes\" ```fence``` @here").ToList();
        yield return ("huge-log", SlackRenderer.Render(Content.Build(Samples.For(Causes.ApplicationError, log: string.Join('\n', lines)))));
        var storm = Enumerable.Range(0, 38).Select(i => Samples.For(i < 30 ? Causes.ConfigError : Causes.OomKilled, pod: $"p{i}", workload: i < 30 ? "api" : "cache")).ToList();
        yield return ("digest", SlackDigestRenderer.Render(StormDigest.From(storm, Content), detailsInThread: true));
    }

    [SkippableFact]
    public async Task EveryRenderedSlackMessageTypeChecksAgainstSlackTypes()
    {
        SkipUnlessInstalled(chromium: false);
        var dir = Fresh(Path.Combine(ExternalTool.PayloadChecks, "generated", "slack"));
        foreach (var (name, message) in SlackMessages())
            await File.WriteAllTextAsync(Path.Combine(dir, name + ".ts"), TypeScript(SlackJson.Serialize(message)));
        foreach (var (name, n) in await SampleBundles.LoadAsync())
            await File.WriteAllTextAsync(Path.Combine(dir, name + ".ts"), TypeScript(SlackJson.Serialize(SlackRenderer.Render(Content.Build(n)))));

        var result = await Tsc("-p", "tsconfig.json");
        Assert.True(result.ExitCode == 0, "tsc rejected a rendered Slack message:\n" + result);
    }

    [SkippableFact]
    public async Task TheSlackTypeCheckRejectsABrokenMessage()
    {
        SkipUnlessInstalled(chromium: false);
        var dir = Fresh(Path.Combine(ExternalTool.PayloadChecks, "generated", "slack-negative"));
        // A header must be plain_text; Slack answers invalid_blocks, and so must the check.
        var broken = """{"text":"x","blocks":[{"type":"header","text":{"type":"mrkdwn","text":"*no*"}}]}""";
        var file = Path.Combine(dir, "broken.ts");
        await File.WriteAllTextAsync(file, TypeScript(broken));
        var result = await Tsc("--noEmit", "--strict", "--skipLibCheck", "--moduleResolution", "node", file);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("broken.ts", result.Stdout);
    }

    /// <summary>Every card the service can post to Teams: per cause fire and resolve, a huge log, a digest, the sample bundles.</summary>
    private static async Task<Dictionary<string, TeamsMessage>> TeamsCardsAsync()
    {
        var cards = new Dictionary<string, TeamsMessage>();
        foreach (var cause in Samples.Causes_)
        {
            cards[cause] = TeamsRenderer.Render(Content.Build(Samples.For(cause)));
            cards[cause + "-resolved"] = TeamsRenderer.Render(Content.Build(Samples.For(cause, status: "resolved")));
        }
        var lines = Enumerable.Range(0, 5000).Select(i => $"line {i} <script>alert(1)</script> & @channel <at>x</at> __init__ **b** `c`").ToList();
        cards["huge-log"] = TeamsRenderer.Render(Content.Build(Samples.For(Causes.ApplicationError, log: string.Join('\n', lines))));
        var storm = Enumerable.Range(0, 38).Select(i => Samples.For(i < 30 ? Causes.ConfigError : Causes.OomKilled, pod: $"p{i}", workload: i < 30 ? "api" : "cache")).ToList();
        var digest = StormDigest.From(storm, Content);
        cards["digest"] = TeamsRenderer.Simple("🔴 " + digest.Headline, digest.Lines);
        foreach (var (name, n) in await SampleBundles.LoadAsync())
            cards[name] = TeamsRenderer.Render(Content.Build(n));
        return cards;
    }

    [SkippableFact]
    public async Task EveryTeamsCardParsesValidatesAndRendersAsVersion14WithAdaptiveCardsInChromium()
    {
        SkipUnlessInstalled(chromium: true);
        var dir = Fresh(Path.Combine(ExternalTool.PayloadChecks, "generated", "teams"));
        var cards = await TeamsCardsAsync();
        var all = await RenderAsync(Path.Combine(dir, "all.html"), Json(cards), screenshot: null);
        foreach (var name in cards.Keys)
        {
            var result = all.GetProperty(name);
            Assert.True(result.GetProperty("ok").GetBoolean(), $"{name}: {result}");
        }
    }

    /// <summary>
    /// A Workflows webhook shows "We're sorry, this card couldn't be displayed" for anything above 1.4, so the check
    /// must fail a card that declares more, or uses an element, property, value or action newer than 1.4. Each case
    /// is a real rendered card with one change; the unchanged card must pass, or the check proves nothing.
    /// </summary>
    [SkippableFact]
    public async Task TheTeamsCheckRejectsACardThatDeclaresOrNeedsMoreThanVersion14()
    {
        SkipUnlessInstalled(chromium: true);
        var dir = Fresh(Path.Combine(ExternalTool.PayloadChecks, "generated", "teams-negative"));
        var valid = TeamsJson.Serialize(TeamsRenderer.Render(Content.Build(Samples.For(Causes.ConfigError))));
        string Changed(Action<JsonObject> change)
        {
            var root = JsonNode.Parse(valid)!;
            change(root["attachments"]![0]!["content"]!.AsObject());
            return root.ToJsonString();
        }
        JsonObject Text(string text) => new() { ["type"] = "TextBlock", ["text"] = text };
        var cases = new Dictionary<string, (string Json, string Expected)>
        {
            ["declares-1.5"] = (Changed(c => c["version"] = "1.5"), "UnsupportedCardVersion"),
            ["declares-1.6"] = (Changed(c => c["version"] = "1.6"), "UnsupportedCardVersion"),
            // Table is a 1.5 element: the 1.4 registry does not know it.
            ["table-1.5"] = (Changed(c => c["body"]!.AsArray().Add(new JsonObject
            {
                ["type"] = "Table", ["columns"] = new JsonArray(new JsonObject { ["width"] = 1 }),
                ["rows"] = new JsonArray(new JsonObject { ["type"] = "TableRow", ["cells"] = new JsonArray() }),
            })), "Table"),
            // TextBlock style "heading" and Action tooltip are 1.5 properties.
            ["textblock-style-1.5"] = (Changed(c => c["body"]![0]!["style"] = "heading"), "\"style\" is supported in version 1.5"),
            ["action-tooltip-1.5"] = (Changed(c => c["actions"]![0]!["tooltip"] = "open"), "\"tooltip\" is supported in version 1.5"),
            // rtl is 1.5 in the schema although the package accepts it at 1.0.
            ["container-rtl-1.5"] = (Changed(c => c["body"]!.AsArray().Add(new JsonObject { ["type"] = "Container", ["rtl"] = true, ["items"] = new JsonArray(Text("x")) })), "\"rtl\" needs version 1.5"),
            ["unknown-property"] = (Changed(c => c["body"]![0]!["codeSnippet"] = "x"), "\"codeSnippet\" is not in the 1.4 schema"),
            ["action-submit"] = (Changed(c => c["actions"]!.AsArray().Add(new JsonObject { ["type"] = "Action.Submit", ["title"] = "Ack" })), "Action.Submit does not work"),
            ["action-execute"] = (Changed(c => c["body"]!.AsArray().Add(new JsonObject
            {
                ["type"] = "ActionSet", ["actions"] = new JsonArray(new JsonObject { ["type"] = "Action.Execute", ["title"] = "Ack", ["verb"] = "ack" }),
            })), "Action.Execute does not work"),
        };
        var payloads = cases.ToDictionary(c => c.Key, c => c.Value.Json);
        payloads["unchanged"] = valid;

        var results = await RenderAsync(Path.Combine(dir, "negative.html"), payloads, screenshot: null);
        Assert.True(results.GetProperty("unchanged").GetProperty("ok").GetBoolean(), results.GetProperty("unchanged").ToString());
        foreach (var (name, (_, expected)) in cases)
        {
            var result = results.GetProperty(name);
            Assert.False(result.GetProperty("ok").GetBoolean(), $"{name} passed the check: {result}");
            Assert.Contains(expected, string.Join("\n", result.GetProperty("errors").EnumerateArray().Select(e => e.GetString())));
        }
    }

    /// <summary>
    /// The screenshots in docs/cards are tracked files, so a test run must not rewrite them: it photographs one card
    /// into a temporary folder to keep the path working. <c>bash tests/payload-checks/screenshots.sh</c> sets
    /// WEBHOOK_WRITE_SCREENSHOTS=1 and runs this test to photograph every cause and the digest into docs/cards.
    /// </summary>
    [SkippableFact]
    public async Task TeamsCardsArePhotographedIntoDocsOnlyWhenAskedFor()
    {
        SkipUnlessInstalled(chromium: true);
        var dir = Fresh(Path.Combine(ExternalTool.PayloadChecks, "generated", "teams-screenshots"));
        var write = Environment.GetEnvironmentVariable("WEBHOOK_WRITE_SCREENSHOTS") == "1";
        var target = write ? Path.Combine(ExternalTool.RepoRoot, "docs", "cards") : Path.Combine(dir, "png");
        Directory.CreateDirectory(target);
        var cards = await TeamsCardsAsync();
        var names = write ? Samples.Causes_.Append("digest").ToList() : [Causes.OomKilled];
        foreach (var name in names)
        {
            var png = Path.Combine(target, name + ".png");
            var result = await RenderAsync(Path.Combine(dir, name + ".html"), Json(new() { [name] = cards[name] }), png);
            Assert.True(result.GetProperty(name).GetProperty("ok").GetBoolean(), $"{name}: {result}");
            Assert.True(new FileInfo(png).Length > 2000, $"no screenshot for {name}");
        }
    }

    private static Dictionary<string, string> Json(Dictionary<string, TeamsMessage> cards) =>
        cards.ToDictionary(c => c.Key, c => TeamsJson.Serialize(c.Value));

    private static async Task<JsonElement> RenderAsync(string page, Dictionary<string, string> cards, string? screenshot)
    {
        // "</" would end the inline script early; JSON allows "<\/".
        var payloads = "{" + string.Join(",", cards.Select(c => JsonSerializer.Serialize(c.Key) + ":" + c.Value)) + "}";
        var html = (await File.ReadAllTextAsync(Path.Combine(ExternalTool.PayloadChecks, "card.html")))
            .Replace("/*PAYLOADS*/{}", payloads.Replace("</", "<\\/"));
        await File.WriteAllTextAsync(page, html);

        var dump = await ChromiumAsync(page, ["--dump-dom"], 1200);
        var match = ResultPre().Match(dump.Stdout);
        Assert.True(match.Success, "Chromium rendered no result:\n" + dump);
        var results = JsonDocument.Parse(WebUtility.HtmlDecode(match.Groups[1].Value)).RootElement.Clone();
        if (screenshot is not null)
        {
            var height = Math.Clamp(results.GetProperty("$height").GetInt32() + 16, 200, 4000);
            var shot = await ChromiumAsync(page, [$"--screenshot={screenshot}", "--hide-scrollbars"], height);
            Assert.True(File.Exists(screenshot), "Chromium took no screenshot:\n" + shot);
        }
        return results;
    }

    private static async Task<ExternalTool.Result> ChromiumAsync(string page, string[] action, int height)
    {
        var profile = Directory.CreateTempSubdirectory("chromium-profile-");
        try
        {
            string[] args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                "--no-first-run", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                $"--user-data-dir={profile.FullName}", "--allow-file-access-from-files", "--virtual-time-budget=10000",
                $"--window-size=800,{height}", .. action, new Uri(page).AbsoluteUri,
            ];
            return await ExternalTool.RunAsync(Chromium, args, ExternalTool.PayloadChecks, TimeSpan.FromMinutes(2));
        }
        finally
        {
            try { profile.Delete(recursive: true); } catch (IOException) { /* Chromium may still hold a lock file */ }
        }
    }

    private static Task<ExternalTool.Result> Tsc(params string[] args) =>
        ExternalTool.RunAsync(Node, [Path.Combine(Modules, "typescript", "bin", "tsc"), .. args], ExternalTool.PayloadChecks, TimeSpan.FromMinutes(3));

    private static string TypeScript(string json) => $$"""
        import type { KnownBlock } from "@slack/types";
        // The chat.postMessage / chat.update / incoming-webhook body we send.
        interface ChatMessage {
          channel?: string; text: string; blocks: KnownBlock[]; thread_ts?: string; ts?: string;
          unfurl_links?: boolean; unfurl_media?: boolean;
        }
        export const message: ChatMessage = {{json}};
        """;

    private static string Fresh(string dir)
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        Directory.CreateDirectory(dir);
        return dir;
    }

    [GeneratedRegex("<pre id=\"result\">(.*?)</pre>", RegexOptions.Singleline)]
    private static partial Regex ResultPre();
}
