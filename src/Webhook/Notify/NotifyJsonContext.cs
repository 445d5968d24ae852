using System.Text.Json;
using System.Text.Json.Serialization;
using Webhook.Notify.Storm;
using Webhook.Notify.Webhook;

namespace Webhook.Notify;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(WebhookDocument))]
[JsonSerializable(typeof(StormEntry))]
public sealed partial class NotifyJsonContext : JsonSerializerContext;
