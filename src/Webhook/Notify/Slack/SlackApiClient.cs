using System.Net.Http.Headers;
using System.Text.Json;
using Webhook.Notify.Http;

namespace Webhook.Notify.Slack;

/// <summary>
/// The three Web API methods we call. An HTTP 200 with "ok": false is a failure
/// (https://api.slack.com/web#responses); the error code decides retryable or permanent.
/// </summary>
public sealed class SlackApiClient(Secret botToken, Uri apiBase, IHttpClientFactory http)
{
    // https://api.slack.com/methods/chat.postMessage#errors : the ones worth another try.
    private static readonly HashSet<string> RetryableErrors =
        ["ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable", "request_timeout", "team_added_to_org"];

    public sealed record Result(DeliveryOutcome Outcome, string? Ts = null, string? Channel = null);

    public Task<Result> PostMessageAsync(SlackMessage message, CancellationToken ct) => CallAsync("chat.postMessage", message, ct);
    public Task<Result> UpdateAsync(SlackMessage message, CancellationToken ct) => CallAsync("chat.update", message, ct);

    private async Task<Result> CallAsync(string method, SlackMessage message, CancellationToken ct)
    {
        string? ts = null, channel = null;
        var json = SlackJson.Serialize(message);
        DeliveryOutcome outcome;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(apiBase, method))
            {
                Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", botToken.Reveal());
            using var response = await http.CreateClient(ChatHttp.NotifyClient).SendAsync(request, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
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
        return new Result(outcome, ts, channel);
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
                ? new DeliveryOutcome.Retryable($"slack {error}")
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
