using System.Text.RegularExpressions;

namespace Webhook.Collect;

/// <summary>
/// What of a literal env value may leave the collector: the addresses it names, nothing else. A value that is
/// only addresses (a URL, host:port, or a bare host name in a variable named like an address, alone or in a list)
/// keeps <c>[scheme://]host[:port]</c> of each; userinfo, passwords, paths, query strings and fragments are cut
/// and the value says so. Any other value, any value of a variable whose name looks secret (PASSWORD, TOKEN,
/// SECRET, KEY, CREDENTIAL, AUTH…) and any variable that also has a valueFrom becomes "(redacted)" in full.
/// Pure, so that a live pod, a capture bundle and the follow-up answers are cut the same way.
/// </summary>
public static partial class EnvRedaction
{
    public const string Redacted = "(redacted)";

    /// <summary>Appended when a kept value lost parts (userinfo, a path, a query): the value is not the whole setting.</summary>
    public const string Cut = " " + Redacted;

    /// <summary>Longer values are no address list; they are redacted whole.</summary>
    const int MaxLength = 2048;

    /// <summary>The value that may leave the collector for the variable <paramref name="name"/>.</summary>
    public static string? Redact(string? name, string? value, bool hasValueFrom = false)
    {
        if (string.IsNullOrEmpty(value))
            return value;
        if (name is null || hasValueFrom || SecretName().IsMatch(name) || value.Length > MaxLength)
            return Redacted;
        return Addresses(value, AddressName().IsMatch(name)) ?? Redacted;
    }

    /// <summary>A variable named like an address: its bare value may be a host name (KAFKA_ZOOKEEPER_CONNECT=zk).</summary>
    public static bool IsAddressName(string name) => AddressName().IsMatch(name);

    /// <summary>A name that may hold a credential (DB_PASSWORD, API_KEY, --auth-token).</summary>
    public static bool IsSecretName(string name) => SecretName().IsMatch(name);

    /// <summary>The addresses of a value made only of addresses, or null.</summary>
    static string? Addresses(string value, bool addressNamed)
    {
        var kept = new List<string>();
        var cut = false;
        foreach (var token in Separator().Split(value.Trim()))
        {
            if (token.Length == 0) continue;
            if (Url().Match(token) is { Success: true } url)
            {
                kept.Add($"{url.Groups["scheme"].Value}://{url.Groups["host"].Value}{url.Groups["port"].Value}");
                cut |= url.Groups["user"].Success || url.Groups["rest"].Length > 0 && url.Groups["rest"].Value != "/";
            }
            else if (addressNamed && HostPort().Match(token) is { Success: true } hp && !LooksGenerated(hp.Groups["host"].Value))
            {
                kept.Add($"{hp.Groups["host"].Value}{hp.Groups["port"].Value}");
                cut |= hp.Groups["rest"].Length > 0 && hp.Groups["rest"].Value != "/";
            }
            else
                return null;
        }
        return kept.Count == 0 ? null : string.Join(',', kept) + (cut ? Cut : "");
    }

    /// <summary>
    /// A label of 16 or more letters and digits without a hyphen (a hex digest, an API key) reads as a generated
    /// credential, not a host someone named; a value that is no URL keeps no such name.
    /// </summary>
    static bool LooksGenerated(string host) =>
        host.Split('.').Any(l => l.Length >= 16 && !l.Contains('-') && l.Any(char.IsAsciiDigit) && l.Any(char.IsAsciiLetter));

    /// <summary>Names that may hold a credential: substrings, so API_KEY, APIKEY, DB_PASSWD and AUTH_HEADER all count.</summary>
    [GeneratedRegex("PASS|PWD|TOKEN|SECRET|KEY|CRED|AUTH|PRIVATE|SALT|SIGNATURE|COOKIE|SESSION|JWT|CERT", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    [GeneratedRegex("HOST|URL|URI|DSN|ADDR|SERVER|ENDPOINT|BROKER|CONNECT|BOOTSTRAP|UPSTREAM", RegexOptions.IgnoreCase)]
    private static partial Regex AddressName();

    [GeneratedRegex(@"[\s,;]+")]
    private static partial Regex Separator();

    /// <summary>scheme://[user[:password]@]host[:port][/path][?query][#fragment], host a DNS name or IPv4 address.</summary>
    [GeneratedRegex(@"^(?<scheme>[a-z][a-z0-9+.-]{0,19})://(?:(?<user>\S*)@)?(?<host>[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)(?<port>:\d{1,5})?(?<rest>[/?#].*)?$", RegexOptions.IgnoreCase)]
    private static partial Regex Url();

    /// <summary>host[:port][/path]: a DNS name with a letter in its first label (not a number or a word of a sentence), or an IPv4 address with a port.</summary>
    [GeneratedRegex(@"^(?:(?<host>[a-z0-9-]*[a-z][a-z0-9-]*(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)(?<port>:\d{1,5})?|(?<host>\d{1,3}(\.\d{1,3}){3})(?<port>:\d{1,5}))(?<rest>/.*)?$", RegexOptions.IgnoreCase)]
    private static partial Regex HostPort();
}
