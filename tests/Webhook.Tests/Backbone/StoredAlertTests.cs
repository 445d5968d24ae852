using System.Text.Json;
using Webhook.Alerts;
using Webhook.Inbox;

namespace Webhook.Tests.Backbone;

public sealed class StoredAlertTests
{
    static AlertContext Alert() => new()
    {
        Route = "default",
        Status = "firing",
        Labels = new Dictionary<string, string> { ["alertname"] = "KubePodCrashLooping", ["namespace"] = "shop", ["pod"] = "api-1", ["container"] = "api" },
        StartsAt = DateTimeOffset.Parse("2026-11-24T10:00:00Z"),
        Fingerprint = "f1",
    };

    [Fact]
    public void TheStoredJsonHoldsTheAlertButNotWhatIsDerivedFromItsLabels()
    {
        using var stored = JsonDocument.Parse(new NewInboxItem("k", Alert()).AlertJson);

        var names = stored.RootElement.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("labels", names);
        Assert.DoesNotContain("alertName", names);
        Assert.DoesNotContain("isResolved", names);
        Assert.DoesNotContain("pod", names);
    }

    [Fact]
    public void AStoredAlertReadsBackWithItsDerivedValues()
    {
        var back = JsonSerializer.Deserialize(new NewInboxItem("k", Alert()).AlertJson, AlertsJsonContext.Default.AlertContext)!;

        Assert.Equal(("KubePodCrashLooping", "shop", "api-1", "api", false), (back.AlertName, back.Namespace, back.Pod, back.Container, back.IsResolved));
    }

    [Fact]
    public void AnAlertStoredByAnEarlierVersionWithTheDerivedFieldsStillReads()
    {
        const string earlier = """{"route":"default","status":"resolved","labels":{"alertname":"A","pod":"p"},"annotations":{},"startsAt":"2026-11-24T10:00:00+00:00","fingerprint":"f","groupSize":1,"isResolved":true,"alertName":"A","pod":"p"}""";

        var back = JsonSerializer.Deserialize(earlier, AlertsJsonContext.Default.AlertContext)!;

        Assert.Equal(("A", "p", true), (back.AlertName, back.Pod, back.IsResolved));
    }
}
