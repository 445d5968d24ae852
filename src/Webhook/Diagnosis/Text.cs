namespace Webhook.Diagnosis;

/// <summary>Small text helpers for summaries.</summary>
public static class Text
{
    public static string Clip(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");

    public static string Quote(string line) => $"`{Clip(line.Trim(), 200)}`";
}
