using System.ComponentModel.DataAnnotations;
using Webhook.Operations;

namespace Webhook.Alerts;

public sealed class AlertsOptions
{
    public const string Section = "Alerts";

    /// <summary>Alert names to act on; others are acknowledged, counted and ignored.</summary>
    [MinCount(1)]
    public string[] Names { get; set; } = ["KubePodCrashLooping"];

    /// <summary>Largest accepted request body; larger answers 413.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 1024 * 1024;
}
