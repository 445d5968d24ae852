using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Webhook.Notify.Slack;

public static class SlackJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Slack reads UTF-8 JSON; escaping every non-ASCII character only makes payloads bigger.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Serialize(SlackMessage message) => JsonSerializer.Serialize(message, Options);
    public static SlackMessage? Deserialize(string json) => JsonSerializer.Deserialize<SlackMessage>(json, Options);
}
