using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Webhook.Notify.Teams;

public static class TeamsJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    // Source-generated (Native AOT has no reflection-based serializer); the options above carry the encoder.
    static readonly TeamsJsonContext Context = new(Options);

    public static string Serialize(TeamsMessage message) => JsonSerializer.Serialize(message, Context.TeamsMessage);
    public static int Utf8Size(TeamsMessage message) => Encoding.UTF8.GetByteCount(Serialize(message));
}

[JsonSerializable(typeof(TeamsMessage))]
sealed partial class TeamsJsonContext : JsonSerializerContext;
