using System.Text.Json.Serialization;

namespace Webhook.Notify.Teams;

// The Adaptive Card subset we post (https://adaptivecards.io/explorer/): schema 1.4 elements and properties only,
// because a Workflows webhook shows "We're sorry, this card couldn't be displayed" for a 1.5 card
// (microsoft/AdaptiveCards#8965, MicrosoftDocs/msteams-docs#9801) although Teams documents 1.5. Every element and
// property below exists in 1.4 (fontType since 1.2, the rest since 1.0); tests/payload-checks/card.html rejects
// anything newer. Action.OpenUrl only, because Action.Submit does not work over webhooks.

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
    public const string SchemaVersion = "1.4";

    public string Version => SchemaVersion;
    public IReadOnlyList<CardElement> Body { get; init; } = [];
    public IReadOnlyList<OpenUrlAction>? Actions { get; init; }
    /// <summary>Teams draws cards narrow unless asked; logs need the width. Teams' own extension, not a schema property.</summary>
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
