using System.Security.Cryptography;
using System.Text;
using Webhook.Alerts;

namespace Webhook.Inbox;

/// <summary>
/// fingerprint + startsAt + status: Alertmanager's retries and both peers of an HA pair produce the same key.
/// Hashed so it is a fixed-size, header-safe Idempotency-Key.
/// </summary>
public static class InboxKey
{
    public static string For(AlertContext alert)
    {
        var raw = $"{alert.Fingerprint}|{alert.StartsAt.UtcTicks}|{alert.Status}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(raw)))[..32];
    }
}
