using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Webhook.Diagnosis;

/// <summary>
/// JSON inside the commands we propose (kubectl patch bodies, quoted values), source-generated for Native AOT.
/// The patch values are <c>object</c>: every type a remedy puts there must be listed here, or serialising it
/// throws (the remediation tests render every remedy). Relaxed escaping keeps quotes and '+' readable on a command line.
/// </summary>
[JsonSerializable(typeof(List<Dictionary<string, object>>))]
[JsonSerializable(typeof(Dictionary<string, object>))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(bool))]
sealed partial class RemediationJson : JsonSerializerContext
{
    public static RemediationJson Relaxed { get; } = new(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}
