using System.Buffers;
using System.Text.Json;

namespace Webhook.Alerts;

/// <summary>Parses and checks an Alertmanager webhook body, naming the first thing that is wrong.</summary>
public static class AlertmanagerPayload
{
    public static bool TryParse(ReadOnlySequence<byte> body, out AlertmanagerMessage message, out string error)
    {
        if (body.IsSingleSegment) return TryParse(body.FirstSpan, out message, out error);
        // A body spread over several of Kestrel's buffers is copied once, so every error names its path the same way.
        var copy = ArrayPool<byte>.Shared.Rent((int)body.Length);
        try
        {
            body.CopyTo(copy);
            return TryParse(copy.AsSpan(0, (int)body.Length), out message, out error);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    public static bool TryParse(ReadOnlySpan<byte> body, out AlertmanagerMessage message, out string error)
    {
        message = null!;
        try
        {
            var parsed = JsonSerializer.Deserialize(body, AlertsJsonContext.Default.AlertmanagerMessage);
            if (parsed is null)
            {
                error = "The body is JSON null; expected an Alertmanager webhook object.";
                return false;
            }
            message = parsed;
        }
        catch (JsonException ex)
        {
            // The serializer's own message names .NET types; say what Alertmanager's schema expects instead.
            var what = ex.Message.Contains("could not be converted", StringComparison.Ordinal)
                ? "the value has the wrong type for the Alertmanager webhook schema."
                : FirstSentence(ex.Message);
            error = ex.Path is { Length: > 1 } ? $"Malformed JSON at {ex.Path}: {what}" : $"Malformed JSON: {what}";
            return false;
        }

        error = Validate(message) ?? "";
        return error.Length == 0;
    }

    static string? Validate(AlertmanagerMessage message)
    {
        if (message.Alerts is null)
            return "Missing required field 'alerts'.";
        for (var i = 0; i < message.Alerts.Count; i++)
        {
            var alert = message.Alerts[i];
            if (alert is null) return $"alerts[{i}] is null.";
            if (alert.Labels is null) return $"Missing required field 'alerts[{i}].labels'.";
            if (string.IsNullOrEmpty(alert.Status)) return $"Missing required field 'alerts[{i}].status'.";
            if (alert.Status is not ("firing" or "resolved"))
                return $"alerts[{i}].status must be 'firing' or 'resolved', not '{Truncate(alert.Status)}'.";
            if (alert.StartsAt is null) return $"Missing required field 'alerts[{i}].startsAt'.";
            if (string.IsNullOrEmpty(alert.Fingerprint)) return $"Missing required field 'alerts[{i}].fingerprint'.";
        }
        return null;
    }

    /// <summary>Turns one checked alert of the group into the pipeline's unit of work.</summary>
    public static AlertContext ToContext(AlertmanagerMessage message, AlertmanagerAlert alert, string route) => new()
    {
        Route = route,
        Status = alert.Status!,
        Labels = alert.Labels!,
        Annotations = alert.Annotations ?? [],
        StartsAt = alert.StartsAt!.Value,
        // Alertmanager sends 0001-01-01T00:00:00Z for "not ended".
        EndsAt = alert.EndsAt is { Year: > 1 } ends ? ends : null,
        GeneratorUrl = alert.GeneratorUrl,
        Fingerprint = alert.Fingerprint!,
        GroupKey = message.GroupKey,
        ExternalUrl = message.ExternalUrl,
        Receiver = message.Receiver,
        GroupSize = message.Alerts!.Count(a => a.Status == alert.Status),
    };

    static string FirstSentence(string text)
    {
        var cut = text.IndexOf(". Path:", StringComparison.Ordinal);
        return cut > 0 ? text[..cut] + "." : text;
    }

    static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
