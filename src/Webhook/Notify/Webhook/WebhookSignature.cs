using System.Security.Cryptography;
using System.Text;

namespace Webhook.Notify.Webhook;

/// <summary><c>X-Webhook-Signature: sha256=&lt;hex HMAC-SHA256 of the exact body bytes&gt;</c> (docs/webhook.md).</summary>
public static class WebhookSignature
{
    public const string Header = "X-Webhook-Signature";

    public static string Sign(string secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>Constant-time check, for receivers written in .NET and for our tests.</summary>
    public static bool Verify(string secret, ReadOnlySpan<byte> body, string? header) =>
        header is not null && CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Sign(secret, body)), Encoding.ASCII.GetBytes(header.Trim()));
}
