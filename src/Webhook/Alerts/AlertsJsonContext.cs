using System.Text.Json;
using System.Text.Json.Serialization;

namespace Webhook.Alerts;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AlertmanagerMessage))]
[JsonSerializable(typeof(AlertContext))]
[JsonSerializable(typeof(IntakeResult))]
public sealed partial class AlertsJsonContext : JsonSerializerContext;
