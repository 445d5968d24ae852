namespace Webhook.Notify.Safety;

/// <summary>Links built from annotations and alert fields are untrusted: only absolute http(s) URLs pass,
/// with the characters that would break a Slack link or a JSON-in-HTML context percent-encoded.</summary>
public static class SafeUrl
{
    public static string? Normalize(string? url)
    {
        if (string.IsNullOrWhiteSpace(url)) return null;
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri)) return null;
        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) return null;
        return uri.AbsoluteUri.Replace("<", "%3C").Replace(">", "%3E").Replace("|", "%7C").Replace(" ", "%20");
    }
}
