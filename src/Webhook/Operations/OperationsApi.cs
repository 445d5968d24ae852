using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Webhook.Alerts;
using Webhook.Inbox;

namespace Webhook.Operations;

public static class OperationsApi
{
    /// <summary>Failed and dead items listed on /status; the rest are counted.</summary>
    public const int FailedListed = 50;

    // Mapped in every environment: Kubernetes probes need them everywhere.
    public static IEndpointRouteBuilder MapOperations(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Text("ok")).WithTags("Operations");
        app.MapGet("/readyz", ReadyAsync).WithTags("Operations");
        app.MapGet("/status", StatusAsync).WithTags("Operations");
        // Changes state, so it takes the same credentials as /alerts.
        app.MapPost("/status/failed/{id}/retry", RequeueAsync).WithTags("Operations");
        return app;
    }

    static async Task<Results<Ok<string>, ProblemHttpResult>> ReadyAsync(IInboxStore inbox, IHostApplicationLifetime lifetime, CancellationToken cancellationToken)
    {
        if (lifetime.ApplicationStopping.IsCancellationRequested)
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready", detail: "The service is stopping.");
        return await inbox.IsWritableAsync(cancellationToken)
            ? TypedResults.Ok("ready")
            : TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready",
                detail: "The inbox is not writable.");
    }

    static async Task<Ok<StatusReport>> StatusAsync(IInboxStore inbox, Webhook.Notify.DestinationRegistry destinations, CancellationToken cancellationToken)
    {
        var counts = await inbox.CountsAsync(cancellationToken);
        var failed = await inbox.FailedAsync(FailedListed, cancellationToken);
        var routes = destinations.RouteNames.ToDictionary(r => r, r => destinations.For(r)!.Select(n => n.Kind).ToArray());
        return TypedResults.Ok(new StatusReport(counts, failed, routes));
    }

    static async Task<IResult> RequeueAsync(HttpContext http, string id, AlertmanagerAuth auth, IInboxStore inbox, InboxDoorbell doorbell,
        CancellationToken cancellationToken)
    {
        if (auth.Check(http) is { } unauthorized) return unauthorized;
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var itemId))
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid item id",
                detail: "The id is the number shown for the item under 'failed' on GET /status.");
        switch (await inbox.RequeueAsync(itemId, cancellationToken))
        {
            case RequeueResult.Requeued:
                doorbell.Ring();
                return TypedResults.Ok(new RequeueAnswer(itemId, InboxStates.Pending));
            case RequeueResult.NotFound:
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such item",
                    detail: $"No inbox item {itemId} (failed and dead items are purged after Inbox:FailedRetention).");
            default:
                var state = (await inbox.FindAsync(itemId, cancellationToken))?.State ?? "unknown";
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Item is not failed",
                    detail: $"Item {itemId} is {state}; only failed and dead items are re-queued.");
        }
    }
}

public sealed record StatusReport(InboxCounts Inbox, IReadOnlyList<FailedItem> Failed, IReadOnlyDictionary<string, string[]> Routes);

public sealed record RequeueAnswer(long Id, string State);
