namespace Webhook.Replay;

/// <summary>The equality subset of Kubernetes field and label selectors: <c>a=b</c>, <c>a==b</c>, <c>a!=b</c>, comma-separated.</summary>
sealed record Selector(string Key, string Value, bool Negated)
{
    public static IReadOnlyList<Selector> Parse(string? selector) =>
        string.IsNullOrWhiteSpace(selector)
            ? []
            : selector.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(One).ToList();

    public bool Matches(string? actual) => Negated ? actual != Value : actual == Value;

    static Selector One(string term)
    {
        var neg = term.IndexOf("!=", StringComparison.Ordinal);
        if (neg > 0)
            return new Selector(term[..neg], term[(neg + 2)..], true);
        var eq = term.IndexOf('=');
        return eq > 0
            ? new Selector(term[..eq], term[(eq + 1)..].TrimStart('='), false)
            : throw new FormatException($"unsupported selector '{term}'");
    }
}
