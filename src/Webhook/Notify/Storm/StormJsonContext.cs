using System.Text.Json;
using System.Text.Json.Serialization;

namespace Webhook.Notify.Storm;

/// <summary>
/// A held pod as the storm stores write it (entry_json): source-generated, no reflection (Native AOT), with the web
/// defaults the stores used before, so rows written by earlier versions read the same.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(StormEntry))]
public sealed partial class StormJsonContext : JsonSerializerContext;
