using System.Security.Cryptography;
using System.Text;
using Webhook.Alerts;

namespace Webhook.Inbox;

/// <summary>
/// route + fingerprint + startsAt + status: Alertmanager's retries and both peers of an HA pair produce the same
/// key, while two receivers sending the same alert to two routes stay two items. Hashed so it is a fixed-size,
/// header-safe Idempotency-Key.
/// </summary>
public static class InboxKey
{
    public static string For(AlertContext alert)
    {
        Span<byte> hash = stackalloc byte[16];
        Hash128($"{alert.Route}|{alert.Fingerprint}|{alert.StartsAt.UtcTicks}|{alert.Status}", hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>The first 16 bytes of the SHA-256 of the text's UTF-8; computed on every alert received, so without temporary arrays.</summary>
    internal static void Hash128(string text, Span<byte> destination)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        Span<byte> bytes = length <= 1024 ? stackalloc byte[length] : new byte[length];
        Encoding.UTF8.GetBytes(text, bytes);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(bytes, hash);
        hash[..16].CopyTo(destination);
    }
}
