using System.Net.Http.Headers;
using System.Text.Json;
using Webhook.Notify.Http;

namespace Webhook.Notify.Slack;

/// <summary>
/// The Web API methods we call. An HTTP 200 with "ok": false is a failure
/// (https://api.slack.com/web#responses); the error code decides retryable or permanent.
/// </summary>
public sealed class SlackApiClient(Secret botToken, Uri apiBase, IHttpClientFactory http)
{
    // https://api.slack.com/methods/chat.postMessage#errors : the ones worth another try.
    private static readonly HashSet<string> RetryableErrors =
        ["ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable", "request_timeout", "team_added_to_org"];

    /// <param name="Answered">Slack answered (any status): false after a timeout or a broken connection, when a
    /// post may or may not have happened.</param>
    public sealed record Result(DeliveryOutcome Outcome, string? Ts = null, string? Channel = null, bool Answered = false);

    // conversations.history and conversations.replies pages; far more than the messages a channel gets in minutes.
    private const int PageSize = 200;
    private const int MaxPages = 10;

    public Task<Result> PostMessageAsync(SlackMessage message, CancellationToken ct) => CallAsync("chat.postMessage", message, ct);
    public Task<Result> UpdateAsync(SlackMessage message, CancellationToken ct) => CallAsync("chat.update", message, ct);

    private async Task<Result> CallAsync(string method, SlackMessage message, CancellationToken ct)
    {
        string? ts = null, channel = null;
        var answered = false;
        var json = SlackJson.Serialize(message);
        DeliveryOutcome outcome;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(apiBase, method))
            {
                Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", botToken.Reveal());
            // Slack's posting limit is per channel, whichever route or token posts to it.
            if (message.Channel is { } channel0) request.Options.Set(Delivery.DestinationPacer.Destination, ($"slack:channel:{channel0}", "slack"));
            using var response = await http.CreateClient(ChatHttp.NotifyClient).SendAsync(request, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            answered = true;
            outcome = ChatHttp.From(response.StatusCode, response.Headers, "", botToken);
            if (outcome is DeliveryOutcome.Delivered)
            {
                (outcome, ts, channel) = Parse(body);
            }
            else if (outcome is DeliveryOutcome.Retryable r && ErrorCode(body) is { } code)
            {
                outcome = r with { Reason = $"{r.Reason} {code}" };
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            outcome = HttpOutcome.FromException(ex);
        }
        return new Result(outcome, ts, channel, answered);
    }

    /// <summary>
    /// The ts of the message carrying <paramref name="idempotencyKey"/> in its metadata, posted after
    /// <paramref name="oldest"/>: top-level messages through conversations.history, thread replies through
    /// conversations.replies (history leaves them out). Delivered with a null ts when there is none.
    /// Needs channels:history (groups:history for private channels).
    /// </summary>
    public async Task<Result> FindPostedAsync(string channel, string? threadTs, string idempotencyKey, DateTimeOffset oldest, CancellationToken ct)
    {
        var method = threadTs is null ? "conversations.history" : "conversations.replies";
        var since = (oldest.ToUnixTimeMilliseconds() / 1000.0).ToString("F6", System.Globalization.CultureInfo.InvariantCulture);
        string? cursor = null;
        try
        {
            for (var page = 0; page < MaxPages; page++)
            {
                var query = $"channel={Uri.EscapeDataString(channel)}&oldest={since}&include_all_metadata=true&limit={PageSize}"
                    + (threadTs is null ? "" : $"&ts={Uri.EscapeDataString(threadTs)}")
                    + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}");
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(apiBase, $"{method}?{query}"));
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", botToken.Reveal());
                using var response = await http.CreateClient(ChatHttp.NotifyClient).SendAsync(request, ct);
                var body = await response.Content.ReadAsStringAsync(ct);
                var outcome = ChatHttp.From(response.StatusCode, response.Headers, "", botToken);
                if (outcome is not DeliveryOutcome.Delivered) return new Result(outcome, Answered: true);
                using var doc = JsonDocument.Parse(body);
                var root = doc.RootElement;
                if (!(root.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.True))
                    return new Result(new DeliveryOutcome.Retryable($"slack {method}: {Str(root, "error") ?? "unknown_error"}"), Answered: true);
                if (root.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
                    foreach (var m in messages.EnumerateArray())
                        if (m.TryGetProperty("metadata", out var md) && Str(md, "event_type") == SlackMetadata.PostedEvent
                            && md.TryGetProperty("event_payload", out var payload) && Str(payload, SlackMetadata.KeyField) == idempotencyKey)
                            return new Result(DeliveryOutcome.Success, Str(m, "ts"), channel, Answered: true);
                cursor = root.TryGetProperty("response_metadata", out var meta) ? Str(meta, "next_cursor") : null;
                if (string.IsNullOrEmpty(cursor)) break;
            }
            return new Result(DeliveryOutcome.Success, Answered: true);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return new Result(HttpOutcome.FromException(ex));
        }
        catch (JsonException)
        {
            return new Result(new DeliveryOutcome.Retryable($"slack {method} answered non-JSON"), Answered: true);
        }
    }

    private static (DeliveryOutcome, string?, string?) Parse(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.True)
                return (DeliveryOutcome.Success, Str(root, "ts"), Str(root, "channel"));
            var error = Str(root, "error") ?? "unknown_error";
            return (RetryableErrors.Contains(error)
                ? new DeliveryOutcome.Retryable(error is "ratelimited" or "rate_limited" ? $"{Delivery.DeliveryReasons.ThrottledPrefix}slack {error}" : $"slack {error}")
                : new DeliveryOutcome.Permanent($"slack {error}"), null, null);
        }
        catch (JsonException)
        {
            return (new DeliveryOutcome.Retryable("slack answered non-JSON"), null, null);
        }
    }

    private static string? ErrorCode(string body)
    {
        try { using var doc = JsonDocument.Parse(body); return Str(doc.RootElement, "error"); }
        catch (JsonException) { return null; }
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
