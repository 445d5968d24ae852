using Webhook.Notify.Teams;

namespace Webhook.Tests.Notify;

/// <summary>Untrusted text for Teams TextBlocks, whose markdown renders bold, italic, lists and links only.</summary>
public class TeamsMarkdownTests
{
    [Theory]
    // Emphasis from a log must not form; an identifier's inner underscore is safe and stays readable.
    [InlineData("File \"/app/__init__.py\"", @"File ""/app/\_\_init\_\_.py""")]
    [InlineData("**PANIC** _now_", @"\*\*PANIC\*\* \_now\_")]
    [InlineData("DATABASE_URL and snake_case", "DATABASE_URL and snake_case")]
    // A backslash that would escape the next character is itself escaped, so C:\*x shows as written.
    [InlineData(@"C:\*x \d", @"C:\\\*x \d")]
    // Teams prints code spans as backticks: they become quotation marks in prose.
    [InlineData("exited with `KeyError: 'X'`", "exited with “KeyError: 'X'”")]
    [InlineData("use `exec \"$@\"` (`&`)", "use “exec \"$@\"” (“&”)")]
    // Block markers at the start of a line get an invisible word joiner in front.
    [InlineData("- item\n1. step\n# title\n> quote", "\u2060- item\n\u20601. step\n\u2060# title\n\u2060> quote")]
    [InlineData("a - b 1. c", "a - b 1. c")]
    // Links stay disarmed (TeamsText).
    [InlineData("[x](http://evil.example)", "[x]\u2060(http://evil.example)")]
    public void ProseFormsNoMarkdownTeamsWouldRenderOrPrintRaw(string input, string expected) =>
        Assert.Equal(expected, TeamsMarkdown.Prose(input));

    [Theory]
    [InlineData("  File \"/app/main.py\", line 3", "\u00A0\u00A0File \"/app/main.py\", line 3")]
    [InlineData("\tat com.shop.A.b(A.java:1)", "\u00A0\u00A0\u00A0\u00A0at com.shop.A.b(A.java:1)")]
    [InlineData("ab\tc", "ab\u00A0\u00A0c")]
    [InlineData("NAME   READY STATUS", "NAME\u00A0\u00A0\u00A0READY STATUS")]
    [InlineData("", "\u00A0")]
    [InlineData("- item", "\u2060- item")]
    [InlineData("called `Option::unwrap()` on a `None`", "called `Option::unwrap()` on a `None`")]
    public void ALogLineKeepsItsIndentationAndBackticks(string input, string expected) =>
        Assert.Equal(expected, TeamsMarkdown.LogLine(input));

    [Fact]
    public void ACommandKeepsOrdinarySpaces() =>
        Assert.Equal("kubectl -n shop  logs api_x \\*", TeamsMarkdown.Command("kubectl -n shop  logs api_x *"));
}
