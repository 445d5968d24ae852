using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Webhook.Collect;

/// <summary>
/// The Kubernetes client's generated JSON reads an untyped field (managedFields' <c>fieldsV1</c>, a
/// ControllerRevision's <c>data</c>) as a <see cref="JsonElement"/> but has no metadata to write one back, so every
/// object the API returns with managed fields would fail when a follow-up answer or a capture writes it out. This
/// adds that one type to the client's serializer, once, before any code of the service runs.
/// </summary>
static class KubernetesJsonExtras
{
    [ModuleInitializer]
    internal static void Register() =>
        k8s.KubernetesJson.AddJsonOptions(options => options.TypeInfoResolverChain.Add(UntypedFieldsContext.Default));
}

[JsonSerializable(typeof(JsonElement))]
partial class UntypedFieldsContext : JsonSerializerContext;
