using System.Globalization;
using System.Text.Json;

namespace Webhook.Diagnosis;

/// <summary>One sample of a Prometheus range answer.</summary>
public readonly record struct MemorySample(DateTimeOffset At, double Value);

/// <summary>One series of a Prometheus range answer: its labels and samples in time order.</summary>
public sealed record MemorySeries(IReadOnlyDictionary<string, string> Labels, IReadOnlyList<MemorySample> Samples)
{
    /// <summary>
    /// The series of a <c>query_range</c> answer (<c>{"status":"success","data":{"resultType":"matrix","result":[...]}}</c>);
    /// empty for anything else. Non-finite values are dropped.
    /// </summary>
    public static IReadOnlyList<MemorySeries> Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
            return [];
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object
                || !doc.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object
                || !data.TryGetProperty("result", out var result) || result.ValueKind != JsonValueKind.Array)
                return [];
            var series = new List<MemorySeries>();
            foreach (var item in result.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object) continue;
                var labels = new Dictionary<string, string>();
                if (item.TryGetProperty("metric", out var metric) && metric.ValueKind == JsonValueKind.Object)
                    foreach (var label in metric.EnumerateObject())
                        if (label.Value.ValueKind == JsonValueKind.String) labels[label.Name] = label.Value.GetString()!;
                var samples = new List<MemorySample>();
                if (item.TryGetProperty("values", out var values) && values.ValueKind == JsonValueKind.Array)
                    foreach (var pair in values.EnumerateArray())
                        if (Sample(pair) is { } s) samples.Add(s);
                if (samples.Count > 0)
                    series.Add(new MemorySeries(labels, samples.OrderBy(s => s.At).ToList()));
            }
            return series;
        }
        catch (JsonException)
        {
            return [];
        }
    }

    static MemorySample? Sample(JsonElement pair)
    {
        if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2) return null;
        var time = pair[0];
        var value = pair[1];
        if (time.ValueKind != JsonValueKind.Number || value.ValueKind != JsonValueKind.String) return null;
        if (!double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v)) return null;
        var ms = (long)Math.Round(time.GetDouble() * 1000);
        return new MemorySample(DateTimeOffset.FromUnixTimeMilliseconds(ms), v);
    }
}
