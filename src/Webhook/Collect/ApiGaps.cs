using System.Net;
using k8s.Autorest;

namespace Webhook.Collect;

/// <summary>Turns what went wrong with one API call into a short named gap, e.g. "events: forbidden".</summary>
public static class ApiGaps
{
    /// <param name="deadline">The alert's deadline when it is what ran out; null when a single request timed out.</param>
    public static string Describe(string part, Exception error, TimeSpan? deadline) => error switch
    {
        HttpOperationException { Response.StatusCode: HttpStatusCode.NotFound } => $"{part}: not found",
        HttpOperationException { Response.StatusCode: HttpStatusCode.Forbidden } => $"{part}: forbidden",
        HttpOperationException { Response.StatusCode: HttpStatusCode.Unauthorized } => $"{part}: unauthorized (check the credentials)",
        HttpOperationException e => $"{part}: API error {(int)e.Response.StatusCode}",
        OperationCanceledException when deadline is { } d => $"{part}: timed out after {Format(d)}",
        OperationCanceledException => $"{part}: timed out (Kubernetes:HttpTimeout)",
        HttpRequestException e => $"{part}: API server unreachable ({e.HttpRequestError})",
        _ => $"{part}: failed ({error.GetType().Name})",
    };

    public static bool IsNotFound(Exception error) =>
        error is HttpOperationException { Response.StatusCode: HttpStatusCode.NotFound };

    /// <summary>400 is how the API says "no previous instance" or "no such container" for logs.</summary>
    public static bool IsBadRequest(Exception error) =>
        error is HttpOperationException { Response.StatusCode: HttpStatusCode.BadRequest };

    static string Format(TimeSpan t) => t.TotalSeconds >= 1 ? $"{t.TotalSeconds:0.#} s" : $"{t.TotalMilliseconds:0} ms";
}
