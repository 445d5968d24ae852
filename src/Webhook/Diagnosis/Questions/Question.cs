namespace Webhook.Diagnosis;

/// <summary>
/// One read-only follow-up read the classifier asks for: a GET of <see cref="Name"/>, or, when it is null, a list
/// of <see cref="Kind"/> in <see cref="Namespace"/> selected by <see cref="LabelSelector"/> (empty: all).
/// <see cref="Why"/> says which finding or hypothesis it serves. Never a Secret.
/// </summary>
public sealed record Question(string Kind, string? Namespace, string? Name, string? LabelSelector, string Why)
{
    public static Question Get(string kind, string? ns, string name, string why) => new(kind, ns, name, null, why);
    public static Question List(string kind, string ns, string selector, string why) => new(kind, ns, null, selector, why);

    public bool IsList => Name is null;

    /// <summary>
    /// For a list: keep only the items whose selector selects these labels or whose ClusterIP is <see cref="KeepClusterIp"/>
    /// (the Services of a namespace that concern this pod). The list itself is shared (the cache keys on <see cref="Key"/>);
    /// the filter is this alert's.
    /// </summary>
    public IReadOnlyDictionary<string, string>? KeepSelecting { get; init; }
    public string? KeepClusterIp { get; init; }

    /// <summary>Stable identity: the object key of a GET ("Service.shop.db"), "KIND?NS?SELECTOR" for a list.</summary>
    public string Key => IsList ? $"{Kind}?{Namespace}?{LabelSelector}" : ObjectKey.Of(Kind, Namespace, Name!);

    public override string ToString() => IsList
        ? $"{Kind} in {Namespace}{(string.IsNullOrEmpty(LabelSelector) ? "" : $" ({LabelSelector})")}"
        : $"{Kind} {(Namespace is null ? "" : Namespace + "/")}{Name}";
}

/// <summary>The bundle's and the snapshot's name of an answer: KIND.NAMESPACE.NAME, or KIND.NAME when cluster-scoped.</summary>
public static class ObjectKey
{
    public static string Of(string kind, string? ns, string name) => ns is null ? $"{kind}.{name}" : $"{kind}.{ns}.{name}";
}
