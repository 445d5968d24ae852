using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Webhook.Alerts;

/// <summary>Checks the credentials of Alertmanager's http_config in constant time, before the body is read.</summary>
public sealed class AlertmanagerAuth(IOptions<AuthOptions> options)
{
    readonly byte[]? _expectedBearer = Utf8(options.Value.BearerToken);
    readonly byte[]? _expectedBasic = options.Value.Username is { Length: > 0 } user
        ? Utf8(Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{options.Value.Password}")))
        : null;

    /// <summary>Null when the request may go on; otherwise the 401 to answer (with WWW-Authenticate already set).</summary>
    public IResult? Check(HttpContext http)
    {
        if (_expectedBearer is null && _expectedBasic is null) return null;

        var header = http.Request.Headers.Authorization.ToString();
        if (Matches(header, "Bearer ", _expectedBearer) || Matches(header, "Basic ", _expectedBasic)) return null;

        http.Response.Headers.WWWAuthenticate = _expectedBearer is not null
            ? "Bearer realm=\"alerts\""
            : "Basic realm=\"alerts\", charset=\"UTF-8\"";
        return TypedResults.Problem(
            statusCode: StatusCodes.Status401Unauthorized,
            title: "Unauthorized",
            detail: _expectedBearer is not null
                ? "Send the configured token as 'Authorization: Bearer <token>' (Alertmanager http_config.authorization)."
                : "Send the configured user and password as basic auth (Alertmanager http_config.basic_auth).");
    }

    static bool Matches(string header, string scheme, byte[]? expected)
    {
        if (expected is null || !header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return false;
        var sent = header.AsSpan(scheme.Length).Trim();
        if (Encoding.UTF8.GetByteCount(sent) != expected.Length) return false;
        // Constant time in the content; only a wrong length returns early, and a token's length is no secret.
        // (Hashing both sides instead cost an OpenSSL call on every request.)
        Span<byte> bytes = expected.Length <= 512 ? stackalloc byte[expected.Length] : new byte[expected.Length];
        Encoding.UTF8.GetBytes(sent, bytes);
        return CryptographicOperations.FixedTimeEquals(bytes, expected);
    }

    static byte[]? Utf8(string? value) => string.IsNullOrEmpty(value) ? null : Encoding.UTF8.GetBytes(value);
}
