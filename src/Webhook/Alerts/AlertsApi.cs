using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Webhook.Inbox;
using Webhook.Notify;

namespace Webhook.Alerts;

public static class AlertsApi
{
    public static RouteGroupBuilder MapAlerts(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/alerts").WithTags("Alerts");
        // Plain request delegates that check auth and write their own answer: every alert comes through here, and
        // the minimal-API parameter binding, endpoint filter and result machinery cost about 4 µs of its 30 µs of CPU.
        // No group filter does auth, so an endpoint added here must go through ReceiveAsync (or AlertmanagerAuth.Check).
        group.MapPost("", http => Intake(http).HandleAsync(http, DestinationRegistry.DefaultRoute));
        group.MapPost("/{route}", http => Intake(http).HandleAsync(http, (string)http.Request.RouteValues["route"]!));
        return group;
    }

    static IntakeHandler Intake(HttpContext http) => http.RequestServices.GetRequiredService<IntakeHandler>();
}

/// <summary>
/// Alertmanager retries only on 5xx and transport errors, so: 4xx for input that will never succeed,
/// 503 only when the inbox could not commit, and 2xx once the group is durable.
/// </summary>
public sealed partial class IntakeHandler(
    AlertmanagerAuth auth,
    IInboxStore inbox,
    InboxDoorbell doorbell,
    DestinationRegistry destinations,
    IOptions<AlertsOptions> options,
    AlertsMetrics metrics,
    IHostApplicationLifetime lifetime,
    ILogger<IntakeHandler> logger)
{
    readonly HashSet<string> _names = new(options.Value.Names, StringComparer.Ordinal);
    readonly int _maxBody = options.Value.MaxBodyBytes;

    public async Task HandleAsync(HttpContext http, string route)
    {
        var (received, problem) = await ReceiveAsync(http, route);
        if (problem is not null)
        {
            await problem.ExecuteAsync(http);
            return;
        }

        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // Shutting down: the workers are finishing what they hold; Alertmanager retries a 5xx (at the next replica,
            // or here after the restart).
            await Problem(StatusCodes.Status503ServiceUnavailable, "Shutting down",
                "The service is stopping; Alertmanager will retry.").ExecuteAsync(http);
            return;
        }
        EnqueueResult result;
        try
        {
            result = await inbox.EnqueueAsync(received!.Items);
        }
        catch (InboxUnavailableException ex)
        {
            LogInboxUnavailable(logger, ex.Message);
            await Problem(StatusCodes.Status503ServiceUnavailable, "Inbox unavailable",
                "The alerts could not be stored; Alertmanager will retry.").ExecuteAsync(http);
            return;
        }
        if (result.Inserted > 0) doorbell.Ring(result.Inserted);
        if (received.Truncated > 0) LogTruncated(logger, route, received.Truncated);
        WriteAccepted(http.Response, new IntakeResult(result.Inserted, result.Duplicates, received.Ignored));
    }

    /// <summary>202 with the counts as JSON, with a Content-Length (not chunked), sent when the handler returns.</summary>
    public static void WriteAccepted(HttpResponse response, IntakeResult result)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(result, AlertsJsonContext.Default.IntakeResult);
        response.StatusCode = StatusCodes.Status202Accepted;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = body.Length;
        response.BodyWriter.Write(body);
    }

    /// <summary>Everything before the commit: auth, route, media type, size, parse, checks, and the items to store.</summary>
    public async Task<(ReceivedGroup? Received, IResult? Problem)> ReceiveAsync(HttpContext http, string route)
    {
        if (auth.Check(http) is { } unauthorized) return (null, unauthorized);
        if (!destinations.HasRoute(route))
            return (null, Problem(StatusCodes.Status404NotFound, "Unknown route",
                $"No route named '{Clip(route)}' is configured. Configured routes: {string.Join(", ", destinations.RouteNames)}."));

        var request = http.Request;
        if (!IsJson(request.ContentType))
            return (null, Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"Expected Content-Type application/json, got '{Clip(request.ContentType ?? "(none)")}'."));
        if (request.ContentLength > _maxBody)
            return (null, TooLarge());

        ReadResult? body;
        try
        {
            body = await ReadBodyAsync(request.BodyReader, http.RequestAborted);
        }
        catch (BadHttpRequestException ex)
        {
            // Kestrel's own verdict on the framing (a body cut short of its Content-Length, a broken chunk): the
            // client's fault, so its status (400, or 408 for a body too slow to arrive), never an unhandled 500.
            LogBadBody(logger, ex.StatusCode, ex.Message);
            return (null, Problem(ex.StatusCode, "Unreadable request body", ex.Message));
        }
        if (body is null) return (null, TooLarge());
        AlertmanagerMessage message;
        string error;
        bool parsed;
        try
        {
            parsed = AlertmanagerPayload.TryParse(body.Value.Buffer, out message, out error);
        }
        finally
        {
            request.BodyReader.AdvanceTo(body.Value.Buffer.End);
        }
        if (!parsed)
            return (null, Problem(StatusCodes.Status400BadRequest, "Invalid Alertmanager payload", error));

        var traceParent = Activity.Current?.Id;
        var items = new List<NewInboxItem>(message.Alerts!.Count);
        var ignored = 0;
        foreach (var alert in message.Alerts)
        {
            var context = AlertmanagerPayload.ToContext(message, alert, route);
            if (context.AlertName is { } name && _names.Contains(name))
                items.Add(new NewInboxItem(InboxKey.For(context), context, traceParent));
            else
                ignored++;
        }
        metrics.Received(route, message.Alerts, ignored);
        return (new ReceivedGroup(items, ignored, message.TruncatedAlerts), null);
    }

    /// <summary>
    /// Buffers the whole body in Kestrel's pooled memory and parses it from there, with no copy; null when it
    /// grows past the limit. The caller advances the reader once it has parsed.
    /// </summary>
    async Task<ReadResult?> ReadBodyAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            if (result.Buffer.Length > _maxBody)
            {
                reader.AdvanceTo(result.Buffer.End);
                return null;
            }
            if (result.IsCompleted) return result;
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    ProblemHttpResult TooLarge() => Problem(StatusCodes.Status413PayloadTooLarge, "Payload too large",
        $"The body is larger than Alerts:MaxBodyBytes ({_maxBody} bytes). Lower max_alerts in the Alertmanager webhook_config or raise the limit.");

    static bool IsJson(string? contentType) =>
        contentType is not null
        && Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media)
        && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase));

    static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);

    static string Clip(string s) => s.Length <= 64 ? s : s[..64] + "…";

    [LoggerMessage(EventId = 100, Level = LogLevel.Error, Message = "Answering 503: {Reason}")]
    static partial void LogInboxUnavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Answering {Status}: the request body could not be read ({Reason})")]
    static partial void LogBadBody(ILogger logger, int status, string reason);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Alertmanager cut {Count} alerts from a group for route {Route} (max_alerts)")]
    static partial void LogTruncated(ILogger logger, string route, int count);
}

/// <summary>A checked Alertmanager group: the items to store, and what was left out.</summary>
public sealed record ReceivedGroup(IReadOnlyList<NewInboxItem> Items, int Ignored, int Truncated);
