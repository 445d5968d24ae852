using System.Buffers;

namespace Webhook.Diagnosis;

/// <summary>
/// Whether a case-insensitive pattern may match a text, from literals every match of it contains: a pattern is run only
/// over text that holds one of them. The text is lowered into a pooled buffer once and each literal found with an
/// ordinal search, not with a case-insensitive <see cref="SearchValues{T}"/> of strings, whose Teddy search calls
/// Vector128.Shuffle as a function in the Native AOT image (its baseline instruction set has no SSSE3): that scan cost
/// more than the patterns it was to spare. Text with any non-ASCII character always may match: Regex's IgnoreCase also
/// folds some of them into ASCII letters (U+212A KELVIN SIGN is k), OrdinalIgnoreCase does not.
/// </summary>
public static class LiteralPrecheck
{
    /// <param name="lowercaseLiterals">Lower-case ASCII literals.</param>
    public static bool MayMatch(string text, ReadOnlySpan<string> lowercaseLiterals) => MayMatch(text, lowercaseLiterals, []).First;

    /// <summary>Two patterns' checks over one lowering of the text (a log is lowered once, not once per pattern).</summary>
    /// <param name="first">Lower-case ASCII literals of the first pattern.</param>
    /// <param name="second">Lower-case ASCII literals of the second pattern.</param>
    public static (bool First, bool Second) MayMatch(string text, ReadOnlySpan<string> first, ReadOnlySpan<string> second)
    {
        if (text.Length == 0) return (false, false);
        var buffer = ArrayPool<char>.Shared.Rent(text.Length);
        try
        {
            if (System.Text.Ascii.ToLower(text, buffer, out var written) != OperationStatus.Done) return (true, true);
            var lowered = buffer.AsSpan(0, written);
            return (ContainsAny(lowered, first), ContainsAny(lowered, second));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    static bool ContainsAny(ReadOnlySpan<char> lowered, ReadOnlySpan<string> literals)
    {
        foreach (var literal in literals)
            if (lowered.IndexOf(literal, StringComparison.Ordinal) >= 0) return true;
        return false;
    }
}
