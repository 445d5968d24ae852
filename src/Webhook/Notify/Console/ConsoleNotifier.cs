using System.Text;

namespace Webhook.Notify.Console;

/// <summary>The destination of a route with nothing configured: the diagnosis goes to the log.</summary>
public sealed partial class ConsoleNotifier(string route, ILogger<ConsoleNotifier> logger) : INotifier
{
    public string Kind => "console";
    public string Id => $"{route}/console";

    public Task<DeliveryOutcome> SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        // Logs leave the process too (collectors, support bundles): same redaction as every destination.
        LogDiagnosis(logger, Safety.SecretRedactor.Default.Redact(Render(notification)));
        return Task.FromResult(DeliveryOutcome.Success);
    }

    public static string Render(Notification notification)
    {
        var (alert, diagnosis) = (notification.Alert, notification.Diagnosis);
        var text = new StringBuilder();
        text.Append($"[{alert.Status}] {alert.Namespace}/{alert.Pod}");
        if ((diagnosis.Container ?? alert.Container) is { } container) text.Append($" ({container})");
        text.Append($": {diagnosis.Cause} ({diagnosis.Confidence:0.00}) {diagnosis.Summary}");
        if (diagnosis.ExitCode is { } code) text.Append($" exit={code}{(diagnosis.Signal is { } s ? $" ({s})" : "")}");
        if (diagnosis.RestartCount is { } restarts) text.Append($" restarts={restarts}");
        foreach (var evidence in diagnosis.Evidence) text.Append($"\n  evidence [{evidence.Source}] {evidence.Text}");
        foreach (var step in diagnosis.Remediation) text.Append($"\n  next: {step}");
        foreach (var gap in notification.Snapshot.Gaps) text.Append($"\n  missing: {gap}");
        return text.ToString();
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Diagnosis {Diagnosis}")]
    static partial void LogDiagnosis(ILogger logger, string diagnosis);
}
