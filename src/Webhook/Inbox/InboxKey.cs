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
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(raw)))[..32];
    }
}
