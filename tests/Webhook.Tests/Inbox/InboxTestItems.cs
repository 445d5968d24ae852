using Webhook.Alerts;
using Webhook.Inbox;

namespace Webhook.Tests.Inbox;

/// <summary>The inbox tests' alert: a crash-looping pod named after its fingerprint, starting some minutes after <see cref="Start"/>.</summary>
static class InboxTestItems
{
    public static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-11-24T09:00:00Z");

    public static NewInboxItem Item(string fingerprint, string status = "firing", int startsAtMinute = 0, string route = "default")
    {
        var alert = new AlertContext
        {
            Route = route, Status = status, Fingerprint = fingerprint, StartsAt = Start.AddMinutes(startsAtMinute),
            Labels = new Dictionary<string, string> { ["alertname"] = "KubePodCrashLooping", ["pod"] = $"pod-{fingerprint}" },
        };
        return new NewInboxItem(InboxKey.For(alert), alert);
    }
}
