using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Webhook.Diagnosis;

/// <summary>The diagnosis JSON of taxonomy.md: camelCase, source-generated.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(CrashDiagnosis))]
public sealed partial class DiagnosisJson : JsonSerializerContext
{
    /// <summary>For people: quotes and apostrophes in log lines stay as they are instead of \u0022.</summary>
    public static DiagnosisJson Readable { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
