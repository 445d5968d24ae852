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

    // Source-generated (Native AOT has no reflection-based serializer); the options above carry the encoder,
    // which the generator's attribute cannot name.
    static readonly SlackJsonContext Context = new(Options);

    public static string Serialize(SlackMessage message) => JsonSerializer.Serialize(message, Context.SlackMessage);
    public static SlackMessage? Deserialize(string json) => JsonSerializer.Deserialize(json, Context.SlackMessage);
}

[JsonSerializable(typeof(SlackMessage))]
sealed partial class SlackJsonContext : JsonSerializerContext;
