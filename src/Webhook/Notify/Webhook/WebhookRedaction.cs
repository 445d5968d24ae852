using Webhook.Diagnosis;
using Webhook.Notify.Safety;

namespace Webhook.Notify.Webhook;

/// <summary>Every free-text field of the document, redacted: the generic webhook leaves the process too.</summary>
public static class WebhookRedaction
{
    public static WebhookDocument Redact(this WebhookDocument d, SecretRedactor r) => d with
    {
        Summary = r.Redact(d.Summary),
        Evidence = d.Evidence.Select(e => new Evidence(e.Source, r.Redact(e.Text))).ToList(),
        Remediation = d.Remediation.Select(r.Redact).ToList(),
        Commands = d.Commands.Select(r.Redact).ToList(),
        Missing = d.Missing.Select(r.Redact).ToList(),
        // Findings quote log lines and env values: every text and value is redacted like the rest.
        Findings = d.Findings.Select(f => f with
        {
            Text = r.Redact(f.Text),
            Values = f.Values.ToDictionary(kv => kv.Key, kv => r.Redact(kv.Value)),
        }).ToList(),
        Change = d.Change is { } c ? new ProposedChange(r.Redact(c.Text), r.Redact(c.Command)) : null,
        Labels = d.Labels.ToDictionary(kv => kv.Key, kv => r.Redact(kv.Value)),
        Annotations = d.Annotations.ToDictionary(kv => kv.Key, kv => r.Redact(kv.Value)),
        GeneratorURL = d.GeneratorURL is null ? null : r.Redact(d.GeneratorURL),
        ExternalURL = d.ExternalURL is null ? null : r.Redact(d.ExternalURL),
        Gaps = d.Gaps.Select(r.Redact).ToList(),
    };
}
