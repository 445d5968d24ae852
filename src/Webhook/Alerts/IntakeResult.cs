namespace Webhook.Alerts;

/// <summary>What the intake did with a group: Alertmanager only reads the status code, people read this.</summary>
public sealed record IntakeResult(int Accepted, int Duplicates, int Ignored);
