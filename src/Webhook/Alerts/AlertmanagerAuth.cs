using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Webhook.Alerts;

/// <summary>Checks the credentials of Alertmanager's http_config in constant time, before the body is read.</summary>
public sealed class AlertmanagerAuth(IOptions<AuthOptions> options) : IEndpointFilter
{
    readonly byte[]? _expectedBearer = Hash(options.Value.BearerToken);
    readonly byte[]? _expectedBasic = options.Value.Username is { Length: > 0 } user
        ? Hash(Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{options.Value.Password}")))
        : null;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (_expectedBearer is null && _expectedBasic is null)
            return await next(context);

        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        if (Matches(header, "Bearer ", _expectedBearer) || Matches(header, "Basic ", _expectedBasic))
            return await next(context);

        context.HttpContext.Response.Headers.WWWAuthenticate = _expectedBearer is not null
            ? "Bearer realm=\"alerts\""
            : "Basic realm=\"alerts\", charset=\"UTF-8\"";
        return TypedResults.Problem(
            statusCode: StatusCodes.Status401Unauthorized,
            title: "Unauthorized",
            detail: _expectedBearer is not null
                ? "Send the configured token as 'Authorization: Bearer <token>' (Alertmanager http_config.authorization)."
                : "Send the configured user and password as basic auth (Alertmanager http_config.basic_auth).");
    }

    static bool Matches(string header, string scheme, byte[]? expected) =>
        expected is not null
        && header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
        // Hashing first makes the comparison constant-time regardless of the sent length.
        && CryptographicOperations.FixedTimeEquals(Hash(header[scheme.Length..].Trim()), expected);

    static byte[]? Hash(string? value) =>
        string.IsNullOrEmpty(value) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(value));
}
