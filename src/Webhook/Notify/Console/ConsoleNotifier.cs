using Webhook.Diagnosis;

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

    /// <summary>The alert in one line, then the diagnosis as <c>diagnose</c> prints it, then what could not be collected.</summary>
    public static string Render(Notification notification)
    {
        var (alert, diagnosis) = (notification.Alert, notification.Diagnosis);
        using var text = new StringWriter();
        text.WriteLine($"[{alert.Status}] {alert.Namespace}/{alert.Pod}");
        DiagnosisText.Write(diagnosis, text, notification.Snapshot);
        var gaps = notification.Snapshot.Gaps.Except(diagnosis.Missing).ToList();
        if (gaps.Count > 0) text.WriteLine($"\nNot collected: {string.Join("; ", gaps)}");
        return text.ToString().TrimEnd();
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Diagnosis {Diagnosis}")]
    static partial void LogDiagnosis(ILogger logger, string diagnosis);
}
