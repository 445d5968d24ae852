using System.Text.Json.Serialization;

namespace Webhook.Notify.Slack;

// The few Block Kit shapes we post (https://api.slack.com/reference/block-kit/blocks).
// Serialized with SlackJson (snake_case, nulls omitted); "type" comes from the polymorphism attributes.

public sealed record SlackMessage
{
    public string? Channel { get; init; }
    /// <summary>Fallback for notifications and clients without Block Kit; required by chat.postMessage with blocks.</summary>
    public required string Text { get; init; }
    public IReadOnlyList<Block> Blocks { get; init; } = [];
    public string? ThreadTs { get; init; }
    /// <summary>Set only for chat.update.</summary>
    public string? Ts { get; init; }
    /// <summary>No previews of the links we add (runbook, graph, silence); not sent with chat.update, which has no such argument.</summary>
    public bool? UnfurlLinks { get; init; } = false;
    public bool? UnfurlMedia { get; init; } = false;
    /// <summary>chat.postMessage only: our idempotency key, so a post a crash interrupted can be found again.</summary>
    public SlackMetadata? Metadata { get; init; }
}

/// <summary>Message metadata (https://api.slack.com/reference/metadata#payload_structure).</summary>
public sealed record SlackMetadata(string EventType, IReadOnlyDictionary<string, string> EventPayload)
{
    public const string PostedEvent = "crashloop_webhook_post";
    public const string KeyField = "idempotency_key";

    public static SlackMetadata For(string idempotencyKey) => new(PostedEvent, new Dictionary<string, string> { [KeyField] = idempotencyKey });
}

[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(HeaderBlock), "header")]
[JsonDerivedType(typeof(SectionBlock), "section")]
[JsonDerivedType(typeof(ContextBlock), "context")]
[JsonDerivedType(typeof(DividerBlock), "divider")]
public abstract record Block;

/// <summary>Text is declared as the base type so the serializer writes its "type" (a header takes plain_text only).</summary>
public sealed record HeaderBlock(TextObject Text) : Block;

public sealed record SectionBlock : Block
{
    public TextObject? Text { get; init; }
    public IReadOnlyList<TextObject>? Fields { get; init; }
}

public sealed record ContextBlock(IReadOnlyList<TextObject> Elements) : Block;

public sealed record DividerBlock : Block;

[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(PlainText), "plain_text")]
[JsonDerivedType(typeof(Mrkdwn), "mrkdwn")]
public abstract record TextObject(string Text);

public sealed record PlainText(string Text, bool? Emoji = true) : TextObject(Text);

/// <summary><c>verbatim</c> keeps Slack from auto-linking channel names and URLs in text we already escaped.</summary>
public sealed record Mrkdwn(string Text, bool? Verbatim = true) : TextObject(Text);
