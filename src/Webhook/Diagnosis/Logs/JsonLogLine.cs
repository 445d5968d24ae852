using System.Text.Json;

namespace Webhook.Diagnosis;

/// <summary>
/// Flattens one structured (JSON) log line into plain text: "LEVEL message | error", followed by the
/// lines of any embedded stack trace, so the text rules and the stack-trace reader see them as usual.
/// </summary>
public static class JsonLogLine
{
    static readonly string[] LevelKeys = ["level", "lvl", "severity", "log.level", "@l", "levelname", "loglevel"];
    static readonly string[] MessageKeys = ["msg", "message", "@m", "@mt", "log", "event", "text"];
    static readonly string[] NestedKeys = ["attr", "fields", "context", "data", "extra", "details"];
    static readonly string[] ErrorKeys = ["error", "err", "error.message", "exception", "exc_info", "stack_trace", "stacktrace", "stack", "@x", "error.stack_trace", "cause"];

    public static bool TryFlatten(string line, List<string> output)
    {
        var trimmed = line.AsSpan().Trim();
        if (trimmed.Length < 2 || trimmed[0] != '{' || trimmed[^1] != '}')
            return false;
        try
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            var level = First(root, LevelKeys);
            var message = First(root, MessageKeys);
            var errors = ErrorKeys.Select(k => Find(root, k)).Where(s => !string.IsNullOrWhiteSpace(s)).Distinct().ToList();
            // Some loggers nest the error one level down (MongoDB "attr", zap/logrus "fields").
            foreach (var holder in NestedKeys)
                if (errors.Count == 0 && root.TryGetProperty(holder, out var nested) && nested.ValueKind == JsonValueKind.Object)
                    errors.AddRange(ErrorKeys.Select(k => Find(nested, k)).Where(s => !string.IsNullOrWhiteSpace(s)).Distinct());
            if (level is null && message is null && errors.Count == 0)
                return false;

            var head = string.Join(' ', new[] { level?.ToUpperInvariant(), message }.Where(s => !string.IsNullOrEmpty(s)));
            var firstLines = errors.Select(e => e!.Split('\n')[0].TrimEnd('\r')).ToList();
            output.Add(firstLines.Count == 0 ? head : $"{head} | {string.Join(" | ", firstLines)}");
            // Multi-line error fields carry stack traces: give each line its own LogLine.
            foreach (var error in errors)
            {
                var parts = error!.Split('\n');
                for (var i = 1; i < parts.Length; i++)
                    if (!string.IsNullOrWhiteSpace(parts[i])) output.Add(parts[i].TrimEnd('\r'));
            }
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    static string? First(JsonElement root, string[] keys)
    {
        foreach (var key in keys)
            if (Find(root, key) is { Length: > 0 } value) return value;
        return null;
    }

    /// <summary>A top-level key, or a dotted path ("error.message") into nested objects.</summary>
    static string? Find(JsonElement root, string key)
    {
        if (root.TryGetProperty(key, out var value))
            return AsText(value);
        var dot = key.IndexOf('.');
        if (dot > 0 && root.TryGetProperty(key[..dot], out var parent) && parent.ValueKind == JsonValueKind.Object)
            return Find(parent, key[(dot + 1)..]);
        return null;
    }

    static string? AsText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        JsonValueKind.Object => First(value, ["message", "msg", "type"]) is { } inner
            ? (Find(value, "type") is { } type && type != inner ? $"{type}: {inner}" : inner)
            : value.GetRawText(),
        JsonValueKind.Array => string.Join('\n', value.EnumerateArray().Select(AsText)),
        _ => null,
    };
}
