namespace Webhook.Collect;

/// <summary>The objects one follow-up question returned, keyed as the bundle names them (KIND.NS.NAME), as JSON.</summary>
public sealed record Answer(IReadOnlyList<KeyValuePair<string, string>> Objects)
{
    public static readonly Answer Empty = new([]);
}
