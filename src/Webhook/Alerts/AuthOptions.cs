using System.ComponentModel.DataAnnotations;

namespace Webhook.Alerts;

/// <summary>What Alertmanager's http_config must send: a bearer token, or basic auth, or nothing (open).</summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string Section = "Auth";

    public string? BearerToken { get; set; }
    public string? Username { get; set; }
    public string? Password { get; set; }

    public bool IsOpen => string.IsNullOrEmpty(BearerToken) && string.IsNullOrEmpty(Username);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(Username) && string.IsNullOrEmpty(Password))
            yield return new("Auth:Password must be set when Auth:Username is set", [nameof(Password)]);
        if (string.IsNullOrEmpty(Username) && !string.IsNullOrEmpty(Password))
            yield return new("Auth:Username must be set when Auth:Password is set", [nameof(Username)]);
        if (!string.IsNullOrEmpty(BearerToken) && BearerToken.Trim() != BearerToken)
            yield return new("Auth:BearerToken has leading or trailing whitespace", [nameof(BearerToken)]);
    }
}
