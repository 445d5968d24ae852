using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Webhook.Tests.Notify;

/// <summary>
/// Slack (incoming webhook and Web API), Teams workflow and a generic webhook receiver on 127.0.0.1, port 0.
/// Enforces the documented limits the way the real services answer (400 invalid_blocks, 413 for Teams over 28 KB;
/// Slack's pace of about one message per second per channel, short bursts allowed, over it 429 with Retry-After,
/// https://api.slack.com/apis/rate-limits#posting-messages) and answers 429 or 5xx when a test scripts it.
/// The Web API keeps message metadata and answers conversations.history and conversations.replies as Slack
/// documents them (https://api.slack.com/methods/conversations.history, https://api.slack.com/metadata/using).
/// </summary>
public sealed class ChatStandIn : IAsyncDisposable
{
    public const string BotToken = "xoxb-1111111111-2222222222-standinstandinstandin";
    public const string Channel = "C0STANDIN";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<(int Status, int? RetryAfter)>> _script = new();
    private readonly ConcurrentDictionary<string, int> _always = new();
    private long _ts;
    private readonly ConcurrentDictionary<string, (double Tokens, DateTime At)> _slackPace = new();

    /// <summary>Slack's posting pace per channel (per incoming webhook): this many at once, then one per second.</summary>
    public int SlackBurst { get; set; } = 3;
    public bool EnforceSlackPace { get; set; } = true;

    /// <summary>When set, a Web API post is stored (it happened) and then its answer waits for this task: a crash test
    /// kills the service in that moment.</summary>
    public Task? HoldSlackApiAnswers { get; set; }
    /// <summary>Only posts from this one on (counting every post taken) are held.</summary>
    public int HoldFromPost { get; set; }

    /// <summary>Every message the Web API took, top-level and in threads, in the order posted.</summary>
    public ConcurrentQueue<JsonObject> SlackTimeline { get; } = new();

    public sealed record Request(string Endpoint, string Path, IReadOnlyDictionary<string, string> Headers, string Body, int Status, bool Accepted)
    {
        public DateTimeOffset At { get; } = DateTimeOffset.UtcNow;
    }
    public sealed record SlackPost(string Method, string? Ts, string? ThreadTs, JsonObject Body);

    public ConcurrentQueue<Request> Requests { get; } = new();
    public ConcurrentQueue<SlackPost> SlackApiAccepted { get; } = new();
    public ConcurrentDictionary<string, JsonObject> SlackMessagesByTs { get; } = new();

    private ChatStandIn(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;
    public string SlackWebhookUrl => new Uri(BaseUrl, "slack/services/T000/B000/standinwebhooksecret0001").AbsoluteUri;
    public string SlackApiBase => new Uri(BaseUrl, "api/").AbsoluteUri;
    public string TeamsUrl => new Uri(BaseUrl, "teams/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=standinteamssig0001").AbsoluteUri;
    public string WebhookUrl => new Uri(BaseUrl, "webhook/receiver?token=standinwebhooktoken").AbsoluteUri;

    public static async Task<ChatStandIn> StartAsync()
    {
        var app = LoopbackApp.Create();
        var standIn = new ChatStandIn(app);
        app.MapPost("/slack/services/{**rest}", ctx => standIn.Handle(ctx, "slack-webhook", standIn.SlackWebhook));
        app.MapPost("/api/{method}", ctx => standIn.Handle(ctx, "slack-api", standIn.SlackApi));
        app.MapGet("/api/{method}", ctx => standIn.Handle(ctx, "slack-api-read", standIn.SlackRead));
        app.MapPost("/teams/{**rest}", ctx => standIn.Handle(ctx, "teams", standIn.Teams));
        app.MapPost("/webhook/{**rest}", ctx => standIn.Handle(ctx, "webhook", Accept));
        await app.StartAsync();
        standIn.BaseUrl = app.BaseUrl();
        return standIn;
    }

    /// <summary>The next <paramref name="times"/> requests to the endpoint get this status (429 with Retry-After seconds);
    /// status 0 lets a request through as usual, to script the second or third one.</summary>
    public void Script(string endpoint, int status, int? retryAfterSeconds = null, int times = 1)
    {
        var queue = _script.GetOrAdd(endpoint, _ => new());
        for (var i = 0; i < times; i++) queue.Enqueue((status, retryAfterSeconds));
    }

    public void FailAlways(string endpoint, int status) => _always[endpoint] = status;

    private readonly ConcurrentDictionary<string, Task> _slow = new();
    private readonly ConcurrentDictionary<string, int> _arrived = new();

    /// <summary>Requests that reached the endpoint, answered or not yet.</summary>
    public int Arrived(string endpoint) => _arrived.GetValueOrDefault(endpoint);

    /// <summary>Every request to the endpoint waits for <paramref name="until"/> before it is answered: a destination that hangs.</summary>
    public void Slow(string endpoint, Task until) => _slow[endpoint] = until;

    /// <summary>Failure bodies quote the request's URL and Authorization header, as some proxies do.</summary>
    public bool EchoOnFailure { get; set; }
    public void Heal(string endpoint) => _always.TryRemove(endpoint, out _);

    public IEnumerable<Request> To(string endpoint) => Requests.Where(r => r.Endpoint == endpoint);
    public int AcceptedCount(string endpoint) => To(endpoint).Count(r => r.Accepted);

    /// <summary>Every body any stand-in endpoint received, accepted or not.</summary>
    public string AllBodies => string.Join("\n", Requests.Select(r => r.Body));

    private async Task Handle(HttpContext ctx, string endpoint, Func<HttpContext, string, Task<(int, string, bool)>> answer)
    {
        using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        _arrived.AddOrUpdate(endpoint, 1, (_, n) => n + 1);
        if (_slow.TryGetValue(endpoint, out var slow)) await slow.WaitAsync(ctx.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        var headers = ctx.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        int status; string text; bool accepted;
        if (_always.TryGetValue(endpoint, out var always))
            (status, text, accepted) = (always, EchoOnFailure
                ? $"failed {ctx.Request.Scheme}://{ctx.Request.Host}{ctx.Request.Path}{ctx.Request.QueryString} auth={ctx.Request.Headers.Authorization} path={ctx.Request.Path}"
                : "standin failure", false);
        else if (_script.TryGetValue(endpoint, out var q) && q.TryDequeue(out var scripted) && scripted.Status != 0)
        {
            (status, text, accepted) = (scripted.Status, scripted.Status == 429 ? "rate limited" : "standin failure", false);
            if (scripted.RetryAfter is { } after) ctx.Response.Headers.RetryAfter = after.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        else
            (status, text, accepted) = await answer(ctx, body);
        Requests.Enqueue(new Request(endpoint, ctx.Request.Path + ctx.Request.QueryString, headers, body, status, accepted));
        ctx.Response.StatusCode = status;
        if (text.Length > 0)
        {
            ctx.Response.ContentType = text.StartsWith('{') ? "application/json" : "text/plain";
            await ctx.Response.WriteAsync(text);
        }
    }

    /// <summary>429 with Retry-After in whole seconds when the key is over Slack's pace, else null.</summary>
    private int? SlackPaceRetryAfter(string key)
    {
        if (!EnforceSlackPace) return null;
        lock (_slackPace)
        {
            var now = DateTime.UtcNow;
            var (tokens, at) = _slackPace.GetValueOrDefault(key, (SlackBurst, now));
            tokens = Math.Min(SlackBurst, tokens + (now - at).TotalSeconds);
            if (tokens >= 1)
            {
                _slackPace[key] = (tokens - 1, now);
                return null;
            }
            _slackPace[key] = (tokens, now);
            return (int)Math.Ceiling(1 - tokens);
        }
    }

    private static (int, string, bool) TooMany(HttpContext ctx, int retryAfter, string body)
    {
        ctx.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return (429, body, false);
    }

    private Task<(int, string, bool)> SlackWebhook(HttpContext ctx, string body)
    {
        if (SlackPaceRetryAfter("webhook:" + ctx.Request.Path) is { } after) return Task.FromResult(TooMany(ctx, after, "rate_limited"));
        var error = SlackLimitError(body);
        return Task.FromResult(error is null ? (200, "ok", true) : (400, error, false));
    }

    private async Task<(int, string, bool)> SlackApi(HttpContext ctx, string body)
    {
        var method = (string)ctx.Request.RouteValues["method"]!;
        if (ctx.Request.Headers.Authorization != $"Bearer {BotToken}") return await Ok(false, "invalid_auth");
        var error = SlackLimitError(body);
        if (error is not null) return await Ok(false, error);
        var json = JsonNode.Parse(body)!.AsObject();
        if ((string?)json["channel"] != Channel) return await Ok(false, "channel_not_found");
        string ts;
        if (method == "chat.postMessage")
        {
            if (SlackPaceRetryAfter("channel:" + Channel) is { } after)
                return TooMany(ctx, after, JsonSerializer.Serialize(new { ok = false, error = "ratelimited" }));
            // https://api.slack.com/reference/metadata#payload_structure : event_type and event_payload are required.
            if (json["metadata"] is JsonObject metadata
                && (metadata["event_type"]?.GetValueKind() != JsonValueKind.String || metadata["event_payload"] is not JsonObject))
                return await Ok(false, "invalid_metadata_format");
            // Like Slack's: the time of posting in microseconds, unique per channel. Integer arithmetic: as a
            // double, 1.7e15 loses the increments and repeats a ts.
            var next = NextTs();
            ts = $"{next / 1_000_000}.{next % 1_000_000:D6}";
            json["ts"] = ts;
            SlackMessagesByTs[ts] = json;
            SlackTimeline.Enqueue(json);
        }
        else if (method == "chat.update")
        {
            ts = (string?)json["ts"] ?? "";
            if (!SlackMessagesByTs.ContainsKey(ts)) return await Ok(false, "message_not_found");
            SlackMessagesByTs[ts] = json;
        }
        else return await Ok(false, "unknown_method");
        SlackApiAccepted.Enqueue(new SlackPost(method, ts, (string?)json["thread_ts"], json));
        if (HoldSlackApiAnswers is { } hold && SlackApiAccepted.Count >= HoldFromPost) await hold;
        return (200, JsonSerializer.Serialize(new { ok = true, channel = Channel, ts }), true);
    }

    private long NextTs()
    {
        lock (_slackPace)
        {
            _ts = Math.Max(_ts + 1, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000);
            return _ts;
        }
    }

    /// <summary>
    /// conversations.history (top-level messages, newest first) and conversations.replies (a thread: its parent, then
    /// the replies, oldest first), with oldest/latest (exclusive unless inclusive=true), limit, cursor pagination
    /// (response_metadata.next_cursor, has_more) and metadata only with include_all_metadata=true.
    /// </summary>
    private Task<(int, string, bool)> SlackRead(HttpContext ctx, string body)
    {
        var method = (string)ctx.Request.RouteValues["method"]!;
        var q = ctx.Request.Query;
        if (ctx.Request.Headers.Authorization != $"Bearer {BotToken}") return Ok(false, "invalid_auth");
        if (q["channel"] != Channel) return Ok(false, "channel_not_found");
        static double? Stamp(string? s) => double.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out var d) ? d : null;
        var (oldest, latest, inclusive) = (Stamp(q["oldest"]), Stamp(q["latest"]), (string?)q["inclusive"] is "true" or "1");
        var withMetadata = (string?)q["include_all_metadata"] is "true" or "1";
        var limit = int.TryParse(q["limit"], out var l) ? Math.Clamp(l, 1, 999) : 100;
        var offset = int.TryParse(q["cursor"], out var c) ? c : 0;
        IEnumerable<JsonObject> messages;
        if (method == "conversations.history")
            messages = SlackTimeline.Where(m => m["thread_ts"] is null).Reverse();
        else if (method == "conversations.replies")
        {
            var parent = (string?)q["ts"];
            if (parent is null || !SlackMessagesByTs.TryGetValue(parent, out var root)) return Ok(false, "thread_not_found");
            messages = [root, .. SlackTimeline.Where(m => (string?)m["thread_ts"] == parent)];
        }
        else return Ok(false, "unknown_method");
        var inRange = messages.Where(m =>
        {
            var ts = Stamp((string?)m["ts"])!.Value;
            return (oldest is null || ts > oldest || (inclusive && ts == oldest)) && (latest is null || ts < latest || (inclusive && ts == latest));
        }).ToList();
        var page = inRange.Skip(offset).Take(limit).Select(m =>
        {
            var shown = new JsonObject { ["type"] = "message", ["user"] = "U0STANDINBOT", ["text"] = m["text"]?.DeepClone(), ["ts"] = m["ts"]?.DeepClone() };
            if (m["thread_ts"] is { } thread) shown["thread_ts"] = thread.DeepClone();
            if (withMetadata && m["metadata"] is { } metadata) shown["metadata"] = metadata.DeepClone();
            return (JsonNode)shown;
        }).ToArray();
        var more = offset + limit < inRange.Count;
        var answer = new JsonObject
        {
            ["ok"] = true, ["messages"] = new JsonArray(page), ["has_more"] = more,
            ["response_metadata"] = new JsonObject { ["next_cursor"] = more ? (offset + limit).ToString(System.Globalization.CultureInfo.InvariantCulture) : "" },
        };
        return Task.FromResult((200, answer.ToJsonString(), true));
    }

    private static Task<(int, string, bool)> Accept(HttpContext ctx, string body) => Task.FromResult((202, "", true));

    private static Task<(int, string, bool)> Ok(bool ok, string error) =>
        Task.FromResult((200, JsonSerializer.Serialize(new { ok, error }), false));

    private Task<(int, string, bool)> Teams(HttpContext ctx, string body)
    {
        if (Encoding.UTF8.GetByteCount(body) > 28 * 1024) return Task.FromResult((413, "RequestEntityTooLarge", false));
        var json = JsonNode.Parse(body)!;
        var card = json["attachments"]?[0]?["content"];
        // The real workflow accepts a 1.5 card with 202 and then shows "We're sorry, this card couldn't be
        // displayed"; the stand-in refuses it so that a test sees the failure.
        if ((string?)json["type"] != "message" || (string?)card?["type"] != "AdaptiveCard"
            || !Version.TryParse((string?)card["version"], out var v) || v > new Version(1, 4))
            return Task.FromResult((400, "BadRequest", false));
        return Task.FromResult((202, "", true));
    }

    /// <summary>Slack's answer when Block Kit limits are broken; null when the message is fine.</summary>
    public static string? SlackLimitError(string body)
    {
        var json = JsonNode.Parse(body)!.AsObject();
        var blocks = json["blocks"]?.AsArray() ?? [];
        if (blocks.Count > 50) return "invalid_blocks";
        var text = (string?)json["text"];
        if (text is not null && text.Length > 40_000) return "msg_too_long";
        foreach (var block in blocks)
        {
            var type = (string?)block!["type"];
            var blockText = (string?)block["text"]?["text"];
            if (type == "section" && blockText?.Length > 3000) return "invalid_blocks";
            if (type == "header" && (blockText?.Length > 150 || (string?)block["text"]?["type"] != "plain_text")) return "invalid_blocks";
            var fields = block["fields"]?.AsArray();
            if (fields is not null && (fields.Count > 10 || fields.Any(f => ((string?)f!["text"])?.Length > 2000))) return "invalid_blocks";
            var elements = block["elements"]?.AsArray();
            if (type == "context" && elements?.Count > 10) return "invalid_blocks";
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
