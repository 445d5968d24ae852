using System.Net;
using System.Text.Json;
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
/// Teams cards parse, validate and render with the adaptivecards package in headless Chromium. The tools come from
/// tests/setup/payload-checks.sh; when they are absent the tests are skipped, when present they must pass.
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

    [SkippableFact]
    public async Task EveryTeamsCardParsesAndRendersWithAdaptiveCardsInChromiumAndIsPhotographedPerCause()
    {
        SkipUnlessInstalled(chromium: true);
        var dir = Fresh(Path.Combine(ExternalTool.PayloadChecks, "generated", "teams"));
        var cards = new Dictionary<string, TeamsMessage>();
        foreach (var cause in Samples.Causes_)
        {
            cards[cause] = TeamsRenderer.Render(Content.Build(Samples.For(cause)));
            cards[cause + "-resolved"] = TeamsRenderer.Render(Content.Build(Samples.For(cause, status: "resolved")));
        }
        var lines = Enumerable.Range(0, 5000).Select(i => $"line {i} <script>alert(1)</script> & @channel <at>x</at>").ToList();
        cards["huge-log"] = TeamsRenderer.Render(Content.Build(Samples.For(Causes.ApplicationError, log: string.Join('\n', lines))));
        var storm = Enumerable.Range(0, 38).Select(i => Samples.For(i < 30 ? Causes.ConfigError : Causes.OomKilled, pod: $"p{i}", workload: i < 30 ? "api" : "cache")).ToList();
        var digest = StormDigest.From(storm, Content);
        cards["digest"] = TeamsRenderer.Simple("🔴 " + digest.Headline, digest.Lines);
        foreach (var (name, n) in await SampleBundles.LoadAsync())
            cards[name] = TeamsRenderer.Render(Content.Build(n));

        var all = await RenderAsync(Path.Combine(dir, "all.html"), cards, screenshot: null);
        foreach (var name in cards.Keys)
        {
            var result = all.GetProperty(name);
            Assert.True(result.GetProperty("ok").GetBoolean(), $"{name}: {result}");
        }

        var docs = Path.Combine(ExternalTool.RepoRoot, "docs", "cards");
        Directory.CreateDirectory(docs);
        foreach (var cause in Samples.Causes_.Append("digest"))
        {
            var png = Path.Combine(docs, cause + ".png");
            await RenderAsync(Path.Combine(dir, cause + ".html"), new() { [cause] = cards[cause] }, png);
            Assert.True(new FileInfo(png).Length > 2000, $"no screenshot for {cause}");
        }
    }

    private static async Task<JsonElement> RenderAsync(string page, Dictionary<string, TeamsMessage> cards, string? screenshot)
    {
        // "</" would end the inline script early; JSON allows "<\/".
        var payloads = "{" + string.Join(",", cards.Select(c => JsonSerializer.Serialize(c.Key) + ":" + TeamsJson.Serialize(c.Value))) + "}";
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
