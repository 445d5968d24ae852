using System.Text.RegularExpressions;

namespace Webhook.Collect;

/// <summary>
/// What of a container's command and args may leave the collector. Flags and their ordinary values stay (they are
/// evidence: the config file, the listen port, the host of a dependency), but a credential given on the command
/// line does not: the value of a flag named like a secret (<c>--db-password=s3cr3t</c>, <c>--token s3cr3t</c>,
/// <c>-Dapi.key=…</c>), a <c>name=value</c> word or shell-script part whose name looks secret, and the userinfo and
/// query of a URL (<c>postgres://app:s3cr3t@db:5432/app?sslpassword=x</c> keeps <c>postgres://db:5432/app?(redacted)</c>). A value that is a file path
/// (<c>--tls-private-key-file=/etc/tls/key.pem</c>) names where the secret is, not the secret, and stays.
/// Pure, so that a live pod, a capture bundle and a follow-up answer are cut the same way.
/// </summary>
public static partial class ArgRedaction
{
    public const string Redacted = EnvRedaction.Redacted;

    /// <summary>The words that may leave the collector, or null for null.</summary>
    public static List<string>? Redact(IList<string>? words)
    {
        if (words is null)
            return null;
        var kept = new List<string>(words.Count);
        var valueIsSecret = false;
        foreach (var word in words)
            // A word with spaces is a script (sh -c "exec app --password $P"): its words are read the same way.
            kept.Add(word.Any(char.IsWhiteSpace) ? Script(word) : Word(word, ref valueIsSecret));
        return kept;
    }

    static string Script(string script)
    {
        var valueIsSecret = false;
        return Token().Replace(script, m => Word(m.Value, ref valueIsSecret));
    }

    /// <param name="valueIsSecret">In: the previous word was a flag named like a secret, so this word is its
    /// value. Out: this word is such a flag.</param>
    static string Word(string word, ref bool valueIsSecret)
    {
        var isValue = valueIsSecret;
        valueIsSecret = false;
        if (isValue && !word.StartsWith('-'))
            return IsPath(word) ? word : Redacted;
        word = UrlUserinfo().Replace(word, m => m.Groups["scheme"].Value);
        word = UrlQuery().Replace(word, m => m.Groups["head"].Value + Redacted);
        if (Assignment().Match(word) is { Success: true } a)
            return SecretName(a.Groups["name"].Value) && !IsPath(a.Groups["value"].Value)
                ? a.Groups["name"].Value + a.Groups["sep"].Value + Redacted
                : word;
        valueIsSecret = word.StartsWith('-') && SecretName(word);
        return word;
    }

    /// <summary>Named like a credential, and not like the file or directory that holds one.</summary>
    static bool SecretName(string name) => EnvRedaction.IsSecretName(name) && !FileName().IsMatch(name);

    static bool IsPath(string value) => value.StartsWith('/') || value.StartsWith("./", StringComparison.Ordinal) || value.StartsWith("~/", StringComparison.Ordinal);

    [GeneratedRegex(@"\S+")]
    private static partial Regex Token();

    /// <summary>[-[-]]name=value or name:value with a name of word characters, dots and hyphens.</summary>
    [GeneratedRegex(@"^(?<name>-{0,2}[A-Za-z_][\w.\-]*)(?<sep>[=:])(?<value>.+)$")]
    private static partial Regex Assignment();

    /// <summary>scheme://userinfo@: cut up to the last @ of the word, so a password holding an @ or a / is cut whole.</summary>
    [GeneratedRegex(@"(?<scheme>\b[a-zA-Z][a-zA-Z0-9+.\-]{0,19}://)\S*@")]
    private static partial Regex UrlUserinfo();

    /// <summary>A URL's query and fragment (?sslpassword=…, #access_token=…), cut whole: any key may carry a credential.</summary>
    [GeneratedRegex(@"(?<head>\b[a-zA-Z][a-zA-Z0-9+.\-]{0,19}://[^\s?#]*[?#])\S+")]
    private static partial Regex UrlQuery();

    [GeneratedRegex("FILE|PATH|DIR", RegexOptions.IgnoreCase)]
    private static partial Regex FileName();
}
