using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Webhook.Replay;

/// <summary>The API server's own error body (a v1 Status), so the client sees what a real cluster would send.</summary>
static class KubernetesStatus
{
    // Quotes stay quotes in messages, as the API server writes them.
    static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IResult NotFound(string resource, string name) =>
        Failure(404, "NotFound", $"{resource} \"{name}\" not found", resource, name);

    public static IResult BadRequest(string message) => Failure(400, "BadRequest", message);

    public static IResult Forbidden(string verb, string resource, string ns) => Failure(403, "Forbidden",
        $"{resource} is forbidden: User \"system:serviceaccount:monitoring:crashloop-webhook\" cannot {verb} resource \"{resource}\" in API group \"\" in the namespace \"{ns}\"",
        resource);

    public static IResult Failure(int code, string reason, string message, string? kind = null, string? name = null)
    {
        var body = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["code"] = code,
        };
        if (kind is not null)
            body["details"] = new JsonObject { ["name"] = name, ["kind"] = kind };
        return Results.Text(body.ToJsonString(Relaxed), "application/json", statusCode: code);
    }
}
