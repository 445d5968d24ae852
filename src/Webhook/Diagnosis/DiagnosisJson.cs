using System.Text.Json.Serialization;

namespace Webhook.Diagnosis;

/// <summary>The diagnosis JSON of taxonomy.md: camelCase, source-generated.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(CrashDiagnosis))]
public sealed partial class DiagnosisJson : JsonSerializerContext;
