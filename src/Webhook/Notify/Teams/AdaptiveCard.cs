using System.Text.Json.Serialization;

namespace Webhook.Notify.Teams;

// The Adaptive Card subset we post (https://adaptivecards.io/explorer/), version 1.5 at most because
// Teams renders nothing newer; Action.OpenUrl only because Action.Submit does not work over webhooks.

/// <summary>The Workflows webhook body ("When a Teams webhook request is received").</summary>
public sealed record TeamsMessage(IReadOnlyList<TeamsAttachment> Attachments)
{
    public string Type => "message";
}

public sealed record TeamsAttachment(AdaptiveCard Content)
{
    public string ContentType => "application/vnd.microsoft.card.adaptive";
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? ContentUrl => null;
}

public sealed record AdaptiveCard
{
    public string Type => "AdaptiveCard";
    [JsonPropertyName("$schema")]
    public string Schema => "http://adaptivecards.io/schemas/adaptive-card.json";
    public string Version => "1.5";
    public IReadOnlyList<CardElement> Body { get; init; } = [];
    public IReadOnlyList<OpenUrlAction>? Actions { get; init; }
    /// <summary>Teams draws cards narrow unless asked; logs need the width.</summary>
    public TeamsCardOptions? Msteams { get; init; } = new("Full");
}

public sealed record TeamsCardOptions(string Width);

[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(TextBlock), "TextBlock")]
[JsonDerivedType(typeof(FactSet), "FactSet")]
[JsonDerivedType(typeof(CardContainer), "Container")]
public abstract record CardElement
{
    public string? Spacing { get; init; }
    public bool? Separator { get; init; }
}

public sealed record TextBlock(string Text) : CardElement
{
    public bool? Wrap { get; init; } = true;
    public string? Size { get; init; }
    public string? Weight { get; init; }
    public string? Color { get; init; }
    public string? FontType { get; init; }
    public bool? IsSubtle { get; init; }
}

public sealed record FactSet(IReadOnlyList<CardFact> Facts) : CardElement;

public sealed record CardFact(string Title, string Value);

public sealed record CardContainer(IReadOnlyList<CardElement> Items) : CardElement
{
    public string? Style { get; init; }
}

public sealed record OpenUrlAction(string Title, string Url)
{
    public string Type => "Action.OpenUrl";
}
