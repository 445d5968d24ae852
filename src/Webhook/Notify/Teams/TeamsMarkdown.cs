using System.Text;
using System.Text.RegularExpressions;
using Webhook.Notify.Safety;

namespace Webhook.Notify.Teams;

/// <summary>
/// Untrusted text for a Teams TextBlock, which reads its text as markdown but renders only bold, italic, lists and
/// links (https://learn.microsoft.com/adaptive-cards/create/textfeatures): anything else shows as raw symbols, and
/// a log line such as <c>File "/app/__init__.py"</c> would turn bold. Mentions and links are disarmed by
/// <see cref="TeamsText"/> first.
/// </summary>
public static partial class TeamsMarkdown
{
    /// <summary>U+2060 WORD JOINER: invisible, and not whitespace, so a line that starts with it starts no block.</summary>
    private const char Joiner = '\u2060';
    private const char Nbsp = '\u00A0';
    private const int TabWidth = 4;

    /// <summary>
    /// Prose (summary, facts, evidence, next steps). Backtick code spans, which Teams prints as backticks, become
    /// quotation marks: “KeyError: 'DATABASE_URL'”.
    /// </summary>
    public static string Prose(string? text) => Blocks(Emphasis(CodeSpansToQuotes(TeamsText.Escape(text))));

    /// <summary>
    /// One log line in a monospace TextBlock, kept as written: Teams collapses runs of spaces and drops leading ones
    /// (HTML whitespace rules), so indentation and column runs become no-break spaces. Backticks stay: in a log they
    /// are the log's own characters, and Teams does not render code spans.
    /// </summary>
    public static string LogLine(string? line) => Blocks(Emphasis(Whitespace(TeamsText.Escape(line))));

    /// <summary>
    /// A command to copy into a shell: ordinary spaces stay (a no-break space would break the command), only what
    /// could form markdown is escaped.
    /// </summary>
    public static string Command(string? command) => Blocks(Emphasis(TeamsText.Escape(command)));

    /// <summary>
    /// Backslash-escapes <c>*</c> everywhere and <c>_</c> where it could open or close emphasis (not between two
    /// letters or digits, so DATABASE_URL stays as written), and a backslash that would otherwise escape the next
    /// character (ASCII punctuation). Teams' web and desktop renderers honour CommonMark backslash escapes, iOS since
    /// microsoft/Teams-AdaptiveCards-Mobile#83 (older mobile clients showed the backslash: microsoft/AdaptiveCards#5590);
    /// the invisible joiner used for links cannot stop emphasis, which needs no particular neighbour.
    /// </summary>
    private static string Emphasis(string s)
    {
        var b = new StringBuilder(s.Length + 8);
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            var next = i + 1 < s.Length ? s[i + 1] : '\0';
            var escape = c switch
            {
                '*' => true,
                '_' => !(i > 0 && char.IsLetterOrDigit(s[i - 1]) && char.IsLetterOrDigit(next)),
                '\\' => !char.IsAsciiLetterOrDigit(next) && next is > ' ' and < '\u007F',
                _ => false,
            };
            if (escape) b.Append('\\');
            b.Append(c);
        }
        return b.ToString();
    }

    /// <summary>A line starting with a list marker, a heading, a quote or a fence starts no block after a joiner.</summary>
    private static string Blocks(string s) => BlockStart().Replace(s, m => m.Groups[1].Value + Joiner + m.Groups[2].Value);

    /// <summary>
    /// An opening backtick (at the start or after a space or bracket) becomes “, any other one ”. Not after a quote
    /// mark: in <c>`exec "$@"`</c> that backtick closes.
    /// </summary>
    private static string CodeSpansToQuotes(string s)
    {
        if (!s.Contains('`')) return s;
        var b = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
            b.Append(s[i] != '`' ? s[i] : i == 0 || char.IsWhiteSpace(s[i - 1]) || "([{".Contains(s[i - 1]) ? '“' : '”');
        return b.ToString();
    }

    /// <summary>Tabs to the next tab stop; leading spaces and runs of two or more to no-break spaces; an empty line to one.</summary>
    private static string Whitespace(string line)
    {
        var b = new StringBuilder(line.Length + 8);
        foreach (var c in line)
        {
            if (c == '\t') b.Append(' ', TabWidth - b.Length % TabWidth);
            else if (c != '\r') b.Append(c);
        }
        var expanded = b.ToString();
        var indent = expanded.Length - expanded.TrimStart(' ').Length;
        // A single space between words stays breakable so long lines still wrap.
        var body = SpaceRun().Replace(expanded[indent..], m => new string(Nbsp, m.Length));
        var result = new string(Nbsp, indent) + body;
        return result.Length == 0 ? Nbsp.ToString() : result;
    }

    // Optional leading whitespace (spaces or no-break spaces), then what CommonMark reads as a block marker.
    [GeneratedRegex(@"^([ \u00A0]*)(?=[-+*] |[-+*]$|\d{1,9}[.)](?: |$)|#|>|```|~~~)(.)", RegexOptions.Multiline)]
    private static partial Regex BlockStart();

    [GeneratedRegex(" {2,}")]
    private static partial Regex SpaceRun();
}
