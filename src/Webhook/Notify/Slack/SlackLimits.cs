namespace Webhook.Notify.Slack;

/// <summary>Documented Block Kit limits; we stay under each with a small margin.</summary>
public static class SlackLimits
{
    // https://api.slack.com/reference/block-kit/blocks : "maximum of 50 blocks in each message"
    public const int MaxBlocks = 50;
    // https://api.slack.com/reference/block-kit/blocks#header : "Maximum length for the text in this field is 150 characters"
    public const int HeaderText = 150;
    // https://api.slack.com/reference/block-kit/blocks#section : text "Maximum length ... is 3000 characters"
    public const int SectionText = 3000;
    // https://api.slack.com/reference/block-kit/blocks#section : fields "Maximum number of items is 10", "each ... 2000 characters"
    public const int MaxFields = 10;
    public const int FieldText = 2000;
    // https://api.slack.com/reference/block-kit/blocks#context : "Maximum number of items is 10"
    public const int MaxContextElements = 10;
    // https://api.slack.com/methods/chat.postMessage#truncating : text is truncated past 40,000 characters;
    // we keep the fallback far shorter, it is what a phone notification shows.
    public const int MessageText = 40_000;
    public const int FallbackText = 3000;
}
