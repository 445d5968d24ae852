using Microsoft.Extensions.Options;

namespace Webhook.Collect;

/// <summary>Stops the process at start with one clear line per bad setting instead of failing at the first alert.</summary>
public sealed class KubernetesOptionsValidator : IValidateOptions<KubernetesOptions>
{
    public ValidateOptionsResult Validate(string? name, KubernetesOptions o)
    {
        var errors = new List<string>();
        if (!string.IsNullOrWhiteSpace(o.Kubeconfig) && !File.Exists(o.Kubeconfig))
            errors.Add($"Kubernetes:Kubeconfig: file '{o.Kubeconfig}' does not exist.");
        if (!string.IsNullOrWhiteSpace(o.Server)
            && !(Uri.TryCreate(o.Server, UriKind.Absolute, out var server) && server.Scheme is "http" or "https"))
            errors.Add($"Kubernetes:Server: '{o.Server}' is not an http(s) URL.");
        foreach (var (cluster, context) in o.Clusters)
            if (string.IsNullOrWhiteSpace(context))
                errors.Add($"Kubernetes:Clusters:{cluster}: the kubeconfig context is empty.");
        foreach (var glob in o.Namespaces.Allow.Concat(o.Namespaces.Deny))
            if (!NamespaceFilter.IsValidGlob(glob))
                errors.Add($"Kubernetes:Namespaces: '{glob}' is not a namespace glob (lower-case letters, digits, '-', '*', '?').");
        Check(errors, o.Deadline > TimeSpan.Zero && o.Deadline <= TimeSpan.FromMinutes(5), "Kubernetes:Deadline must be between 0 and 5 minutes.");
        Check(errors, o.HttpTimeout > TimeSpan.Zero && o.HttpTimeout <= TimeSpan.FromMinutes(5), "Kubernetes:HttpTimeout must be between 0 and 5 minutes.");
        Check(errors, o.MaxConcurrentCalls is >= 1 and <= 1000, "Kubernetes:MaxConcurrentCalls must be 1..1000.");
        Check(errors, o.RetryAttempts is >= 0 and <= 10, "Kubernetes:RetryAttempts must be 0..10.");
        Check(errors, o.RetryDelay >= TimeSpan.Zero, "Kubernetes:RetryDelay must not be negative.");
        Check(errors, o.Logs.TailLines is >= 1 and <= 100_000, "Kubernetes:Logs:TailLines must be 1..100000.");
        Check(errors, o.Logs.CurrentTailLines is >= 1 and <= 100_000, "Kubernetes:Logs:CurrentTailLines must be 1..100000.");
        Check(errors, o.Logs.MaxBytes is >= 1024 and <= 16 * 1024 * 1024, "Kubernetes:Logs:MaxBytes must be 1 KiB..16 MiB.");
        Check(errors, o.Logs.ReadLimitBytes >= o.Logs.MaxBytes && o.Logs.ReadLimitBytes <= 64 * 1024 * 1024,
            "Kubernetes:Logs:ReadLimitBytes must be at least Logs:MaxBytes and at most 64 MiB.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    static void Check(List<string> errors, bool ok, string message)
    {
        if (!ok) errors.Add(message);
    }
}
