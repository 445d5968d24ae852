using Webhook.Alerts;
using Webhook.Collect;
using Webhook.Diagnosis;

namespace Webhook.Notify;

/// <summary>Everything a destination needs to post about one alert.</summary>
/// <param name="IdempotencyKey">Stable for every attempt at one inbox item, so a receiver can drop a repeat.</param>
public sealed record Notification(AlertContext Alert, PodSnapshot Snapshot, CrashDiagnosis Diagnosis, string IdempotencyKey);
