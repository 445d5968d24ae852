using System.Text.RegularExpressions;

namespace Webhook.Diagnosis;

/// <summary>Quotes words for a POSIX shell so every command we print can be pasted as it is.</summary>
public static partial class Shell
{
    /// <summary>The word itself when it is plainly safe, else in single quotes (a ' inside becomes '\'').</summary>
    public static string Quote(string word) =>
        word.Length > 0 && Safe().IsMatch(word) ? word : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    [GeneratedRegex(@"^[A-Za-z0-9_./:=@%+,-]+$")]
    private static partial Regex Safe();
}
