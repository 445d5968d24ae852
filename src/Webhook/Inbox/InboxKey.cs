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
        var raw = $"{alert.Route}|{alert.Fingerprint}|{alert.StartsAt.UtcTicks}|{alert.Status}";
        // The first 16 bytes of SHA-256 in hex; computed on every alert received, so without temporary arrays.
        var length = Encoding.UTF8.GetByteCount(raw);
        Span<byte> bytes = length <= 1024 ? stackalloc byte[length] : new byte[length];
        Encoding.UTF8.GetBytes(raw, bytes);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(bytes, hash);
        return Convert.ToHexStringLower(hash[..16]);
    }
}
