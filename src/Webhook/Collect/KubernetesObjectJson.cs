using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using k8s.Models;

namespace Webhook.Collect;

/// <summary>
/// The JSON of the Kubernetes objects the service reads (API answers, bundles, follow-up answers), with metadata for
/// only these types. The client library's own serializer (<c>k8s.KubernetesJson</c>) carries generated metadata for
/// every model of every API group; once anything calls it, all of it is compiled into the Native AOT executable and
/// rebuilt in memory at every start (tests/bench/FOOTPRINT.md). It is written like the library's: camelCase names,
/// nulls left out, timestamps as RFC 3339 in UTC.
/// </summary>
public static class KubernetesObjectJson
{
    public static T Deserialize<T>(string json) where T : class =>
        (T?)JsonSerializer.Deserialize(json, Info(typeof(T))) ?? throw new JsonException($"null where a {typeof(T).Name} was expected");

    public static string Serialize(object value) => JsonSerializer.Serialize(value, Info(value.GetType()));

    static JsonTypeInfo Info(Type type) => KubernetesObjectsContext.Default.GetTypeInfo(type)
        ?? throw new NotSupportedException($"{type.Name} is not among the Kubernetes types the service reads (KubernetesObjectsContext)");
}

/// <summary>The Kubernetes types the service reads or writes back out, and nothing else (see <see cref="KubernetesObjectJson"/>).</summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    Converters = [typeof(KubernetesTimestampConverter), typeof(KubernetesTimestampOffsetConverter)])]
[JsonSerializable(typeof(V1Pod))]
[JsonSerializable(typeof(V1PodList))]
[JsonSerializable(typeof(V1PodTemplateSpec))]
[JsonSerializable(typeof(Corev1Event))]
[JsonSerializable(typeof(Corev1EventList))]
[JsonSerializable(typeof(V1ReplicaSet))]
[JsonSerializable(typeof(V1ReplicaSetList))]
[JsonSerializable(typeof(V1Deployment))]
[JsonSerializable(typeof(V1StatefulSet))]
[JsonSerializable(typeof(V1DaemonSet))]
[JsonSerializable(typeof(V1Job))]
[JsonSerializable(typeof(V1CronJob))]
[JsonSerializable(typeof(V1Node))]
[JsonSerializable(typeof(V1Service))]
[JsonSerializable(typeof(V1ServiceList))]
[JsonSerializable(typeof(V1EndpointSlice))]
[JsonSerializable(typeof(V1EndpointSliceList))]
[JsonSerializable(typeof(V1ConfigMap))]
[JsonSerializable(typeof(V1ControllerRevision))]
[JsonSerializable(typeof(V1ControllerRevisionList))]
// Untyped fields (managedFields' fieldsV1, a ControllerRevision's data) are read as a JsonElement and written back as one.
[JsonSerializable(typeof(JsonElement))]
partial class KubernetesObjectsContext : JsonSerializerContext;

/// <summary>
/// Kubernetes timestamps: RFC 3339 with 0-9 fraction digits read (the API writes nanoseconds in places .NET parses
/// only seven of); written in UTC with "Z", without a fraction when there is none, else with six digits.
/// </summary>
sealed class KubernetesTimestampOffsetConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString() ?? throw new JsonException("a timestamp is null");
        if (DateTimeOffset.TryParseExact(SevenFractionDigits(text), "yyyy'-'MM'-'dd'T'HH':'mm':'ss.fffffffK",
                CultureInfo.InvariantCulture, DateTimeStyles.None, out var value))
            return value;
        throw new FormatException($"'{text}' is not an RFC 3339 timestamp");
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        var utc = value.UtcDateTime;
        writer.WriteStringValue(utc.Ticks % TimeSpan.TicksPerSecond == 0
            ? utc.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'Z'", CultureInfo.InvariantCulture)
            : utc.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss.ffffff'Z'", CultureInfo.InvariantCulture));
    }

    /// <summary>The seconds' fraction padded or cut to the seven digits a .NET tick holds ("…:05Z" → "…:05.0000000Z").</summary>
    static string SevenFractionDigits(string text)
    {
        var t = text.IndexOf('T');
        var seconds = t < 0 ? -1 : text.IndexOf(':', t);
        seconds = seconds < 0 ? -1 : text.IndexOf(':', seconds + 1);
        if (seconds < 0 || seconds + 3 > text.Length)
            return text;
        var fractionStart = seconds + 3;
        var digitsStart = fractionStart < text.Length && text[fractionStart] == '.' ? fractionStart + 1 : fractionStart;
        var digitsEnd = digitsStart;
        while (digitsEnd < text.Length && char.IsAsciiDigit(text[digitsEnd]))
            digitsEnd++;
        var digits = text[digitsStart..digitsEnd];
        var seven = digits.Length >= 7 ? digits[..7] : digits.PadRight(7, '0');
        return string.Concat(text.AsSpan(0, fractionStart), ".", seven, text.AsSpan(digitsEnd));
    }
}

/// <summary><see cref="KubernetesTimestampOffsetConverter"/> for DateTime properties, read as UTC.</summary>
sealed class KubernetesTimestampConverter : JsonConverter<DateTime>
{
    static readonly KubernetesTimestampOffsetConverter Inner = new();

    public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Inner.Read(ref reader, typeof(DateTimeOffset), options).UtcDateTime;

    public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) =>
        Inner.Write(writer, value.Kind == DateTimeKind.Unspecified ? new DateTimeOffset(value, TimeSpan.Zero) : new DateTimeOffset(value), options);
}
