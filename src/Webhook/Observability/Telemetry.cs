using System.Diagnostics;

namespace Webhook.Observability;

/// <summary>The service's own spans: one trace per alert from the intake request to each delivery.</summary>
public static class Telemetry
{
    public const string SourceName = "Webhook";
    public static readonly ActivitySource Source = new(SourceName);
}
