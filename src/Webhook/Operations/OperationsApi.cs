using Microsoft.AspNetCore.Http.HttpResults;
using Webhook.Inbox;

namespace Webhook.Operations;

public static class OperationsApi
{
    // Mapped in every environment: Kubernetes probes need them everywhere.
    public static IEndpointRouteBuilder MapOperations(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Text("ok")).WithTags("Operations");
        app.MapGet("/readyz", ReadyAsync).WithTags("Operations");
        app.MapGet("/status", StatusAsync).WithTags("Operations");
        return app;
    }

    static async Task<Results<Ok<string>, ProblemHttpResult>> ReadyAsync(SqliteInbox inbox, CancellationToken cancellationToken) =>
        await inbox.IsWritableAsync(cancellationToken)
            ? TypedResults.Ok("ready")
            : TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready",
                detail: "The inbox is not writable.");

    static async Task<Ok<StatusReport>> StatusAsync(SqliteInbox inbox, Webhook.Notify.DestinationRegistry destinations, CancellationToken cancellationToken)
    {
        var counts = await inbox.CountsAsync(cancellationToken);
        var routes = destinations.RouteNames.ToDictionary(r => r, r => destinations.For(r)!.Select(n => n.Kind).ToArray());
        return TypedResults.Ok(new StatusReport(counts, routes));
    }
}

public sealed record StatusReport(InboxCounts Inbox, IReadOnlyDictionary<string, string[]> Routes);
