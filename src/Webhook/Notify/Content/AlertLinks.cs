using System.Text;
using Webhook.Alerts;
using Webhook.Notify.Safety;

namespace Webhook.Notify.Content;

/// <summary>Runbook, the Prometheus graph and an Alertmanager silence form prefilled for this pod.</summary>
public static class AlertLinks
{
    // Matchers that pick this pod's crash loop and nothing else; all labels would also pin job/instance.
    private static readonly string[] SilenceLabels = ["alertname", "namespace", "pod", "container"];

    public static IReadOnlyList<Link> For(AlertContext alert, SecretRedactor redactor)
    {
        var links = new List<Link>();
        Add(links, "Runbook", alert.Annotation("runbook_url"), redactor);
        Add(links, "Prometheus", alert.GeneratorUrl, redactor);
        Add(links, "Silence", SilenceUrl(alert), redactor);
        return links;
    }

    /// <summary>Alertmanager's UI form: {externalURL}/#/silences/new?filter={a="b",...}.</summary>
    public static string? SilenceUrl(AlertContext alert)
    {
        if (string.IsNullOrWhiteSpace(alert.ExternalUrl)) return null;
        var matchers = new StringBuilder("{");
        foreach (var name in SilenceLabels)
        {
            if (alert.Label(name) is not { } value) continue;
            if (matchers.Length > 1) matchers.Append(", ");
            matchers.Append(name).Append("=\"").Append(value.Replace("\\", "\\\\").Replace("\"", "\\\"")).Append('"');
        }
        matchers.Append('}');
        return alert.ExternalUrl.TrimEnd('/') + "/#/silences/new?filter=" + Uri.EscapeDataString(matchers.ToString());
    }

    private static void Add(List<Link> links, string title, string? url, SecretRedactor redactor)
    {
        if (SafeUrl.Normalize(redactor.Redact(url)) is { } safe) links.Add(new Link(title, safe));
    }
}
