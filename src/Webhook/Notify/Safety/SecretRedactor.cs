using System.Text.RegularExpressions;

namespace Webhook.Notify.Safety;

/// <summary>
/// Masks credentials in untrusted text (crash logs, labels, annotations) and in our own log lines.
/// Replacements keep the text's shape (<c>postgres://billing:****@db:5432/app</c>, <c>ghp_****</c>) so a
/// diagnosis stays readable. Pure and thread-safe.
/// </summary>
public sealed partial class SecretRedactor
{
    public const string Mask = "****";

    private readonly IReadOnlyList<Regex> _extra;

    /// <param name="extraPatterns">Regexes (Redaction:ExtraPatterns); a named group "secret" masks only that part.</param>
    public SecretRedactor(IEnumerable<string>? extraPatterns = null) =>
        _extra = (extraPatterns ?? []).Where(p => !string.IsNullOrWhiteSpace(p)).Select(Compile).ToList();

    private static Regex Compile(string pattern, int index)
    {
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(200));
        }
        catch (ArgumentException ex)
        {
            // Name the key, not the pattern: a pattern may embed the very secret it is meant to hide.
            throw new Microsoft.Extensions.Options.OptionsValidationException($"Redaction:ExtraPatterns:{index}", typeof(SecretRedactor),
                [$"Redaction:ExtraPatterns:{index} is not a valid regular expression ({ex.GetType().Name})"]);
        }
    }

    /// <summary>The built-in patterns only.</summary>
    public static SecretRedactor Default { get; } = new();

    public string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        var s = text;
        // Order matters: whole blocks and URLs first, so later, narrower patterns see already-masked text.
        s = PemBlock().Replace(s, m => $"-----BEGIN {m.Groups["kind"].Value}PRIVATE KEY-----{Mask}-----END {m.Groups["kind"].Value}PRIVATE KEY-----");
        s = PemOpenEnded().Replace(s, m => $"-----BEGIN {m.Groups["kind"].Value}PRIVATE KEY-----{Mask}");
        s = SlackWebhookUrl().Replace(s, m => m.Groups["keep"].Value + Mask);
        // Skipped where a match cannot be (each needs "://"): its leading run of letters would be tried at every word.
        if (s.Contains("://", StringComparison.Ordinal))
            s = UrlCredentials().Replace(s, m => m.Groups["scheme"].Value + m.Groups["user"].Value + ":" + Mask + "@");
        s = UrlSecretParam().Replace(s, m => m.Groups["key"].Value + Mask);
        s = AuthorizationHeader().Replace(s, m => m.Groups["head"].Value + Mask);
        s = BearerToken().Replace(s, m => m.Groups["head"].Value + Mask);
        s = Jwt().Replace(s, "eyJ" + Mask);
        s = PrefixedToken().Replace(s, m => m.Groups["prefix"].Value + Mask);
        s = AwsAccessKey().Replace(s, m => m.Groups["prefix"].Value + Mask);
        s = AzureClientSecret().Replace(s, Mask);
        // Every match contains one of SecretWords; the pattern's leading [A-Za-z0-9_.\-]* gives the regex nothing to
        // search for, so on text without them (most of a log) it would try a match at every word.
        if (global::Webhook.Diagnosis.LiteralPrecheck.MayMatch(s, SecretWords))
            s = KeyValueSecret().Replace(s, m => m.Groups["key"].Value + m.Groups["sep"].Value + Mask);
        foreach (var extra in _extra)
        {
            try
            {
                s = extra.Replace(s, m => m.Groups["secret"].Success
                    ? m.Value[..(m.Groups["secret"].Index - m.Index)] + Mask + m.Value[(m.Groups["secret"].Index - m.Index + m.Groups["secret"].Length)..]
                    : Mask);
            }
            catch (RegexMatchTimeoutException)
            {
                // Unsure what it would have masked: withhold the text rather than risk a leak.
                return "[text withheld: a Redaction:ExtraPatterns pattern timed out]";
            }
        }
        return s;
    }

    // PEM private keys (RSA, EC, OPENSSH, ENCRYPTED, PKCS#8), also when a log tail cut off the END line.
    [GeneratedRegex(@"-----BEGIN (?<kind>[A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----")]
    private static partial Regex PemBlock();
    [GeneratedRegex(@"-----BEGIN (?<kind>[A-Z0-9 ]*)PRIVATE KEY-----(?!\*{4})[\s\S]*$")]
    private static partial Regex PemOpenEnded();

    // The path of a Slack incoming webhook is its credential.
    [GeneratedRegex(@"(?<keep>https://hooks\.slack(?:-gov)?\.com/(?:services|workflows|triggers)/)[A-Za-z0-9/_\-]+")]
    private static partial Regex SlackWebhookUrl();

    // scheme://user:password@host, e.g. postgres, mysql, mongodb+srv, redis, amqp, https.
    [GeneratedRegex(@"(?<scheme>\b[a-zA-Z][a-zA-Z0-9+.\-]{1,20}://)(?<user>[^:@/\s""'<>]*):(?!\*{4}@)[^@/\s""'<>]+@")]
    private static partial Regex UrlCredentials();

    // Query-string credentials: Azure SAS and Teams workflow sig=, X-Amz-Signature, access_token=...
    [GeneratedRegex(@"(?<key>[?&](?:sig|signature|X-Amz-Signature|X-Amz-Credential|X-Goog-Signature|access_token|token|api[_-]?key|key|code)=)(?!\*{4})[^&\s""'<>]+", RegexOptions.IgnoreCase)]
    private static partial Regex UrlSecretParam();

    [GeneratedRegex(@"(?<head>\b(?:Proxy-)?Authorization[""']?\s*[:=]\s*[""']?(?>(?:(?:Bearer|Basic|Digest|Token|Bot|ApiKey|AWS4-HMAC-SHA256|SharedAccessSignature)\s+)?))(?!\*{4})[^\s""',;]+", RegexOptions.IgnoreCase)]
    private static partial Regex AuthorizationHeader();

    [GeneratedRegex(@"(?<head>\bBearer\s+)(?!\*{4})[A-Za-z0-9\-._~+/]{8,}=*", RegexOptions.IgnoreCase)]
    private static partial Regex BearerToken();

    [GeneratedRegex(@"\beyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*")]
    private static partial Regex Jwt();

    // Vendor tokens with a recognisable prefix: GitHub, Slack, Stripe, GCP API keys, GitLab, npm, OpenAI-style.
    [GeneratedRegex(@"\b(?<prefix>gh[pousr]_|github_pat_|xox[abeoprs]-|xapp-|(?:sk|rk|pk)_(?:live|test)_|whsec_|AIza|glpat-|npm_|sk-(?:proj-)?)[A-Za-z0-9_\-]{16,}")]
    private static partial Regex PrefixedToken();

    [GeneratedRegex(@"\b(?<prefix>AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b")]
    private static partial Regex AwsAccessKey();

    // Entra ID (Azure AD) client secrets: 3 chars, a digit, "Q~", then 31-34 chars.
    [GeneratedRegex(@"\b[A-Za-z0-9_~.\-]{3}\dQ~[A-Za-z0-9_~.\-]{31,34}")]
    private static partial Regex AzureClientSecret();

    static readonly string[] SecretWords = ["passw", "pwd", "secret", "token", "key", "credential"];

    // key=value, key: value, "key": "value" and connection-string parts (Password=...;AccountKey=...;).
    [GeneratedRegex(@"(?<key>\b[A-Za-z0-9_.\-]*(?:password|passwd|pwd|secret|token|api[_\-]?key|apikey|access[_\-]?key|private[_\-]?key(?:[_\-]?id)?|client[_\-]?secret|AccountKey|SharedAccessKey|credentials?)[""']?)(?<sep>\s*(?:=|:|=>)\s*[""']?)(?!\*{4})(?![""',;\s]|$)[^\s""',;&]+", RegexOptions.IgnoreCase)]
    private static partial Regex KeyValueSecret();
}
