using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Webhook.Replay;

/// <summary>
/// <c>server.Faults</c>: the faults of a replay server, installed through its <see cref="ReplayServer.Intercept"/>
/// on first use. In the global namespace so every test sees it without a using; the shipped program never does.
/// </summary>
public static class ReplayFaultInjection
{
    static readonly ConditionalWeakTable<ReplayServer, ReplayFaults> Installed = new();

    // [NotNull]: like a property of the server, "server!.Faults" leaves the server known not to be null.
    extension([NotNull] ReplayServer? server)
    {
        public ReplayFaults Faults => Installed.GetValue(server ?? throw new ArgumentNullException(nameof(server)), Install);
    }

    static ReplayFaults Install(ReplayServer server)
    {
        var faults = new ReplayFaults();
        server.Intercept = async (http, next) =>
        {
            foreach (var fault in faults.Matching(http.Request.Path.Value ?? ""))
            {
                if (fault.Delay is { } delay && !await WaitAsync(delay, http.RequestAborted, server.Stopping))
                    return;
                if (fault.Status is { } status)
                {
                    await StatusFor(status, http).ExecuteAsync(http);
                    return;
                }
                if (fault.IgnoreLimits)
                    http.Items[ReplayServer.IgnoreLimitsKey] = true;
            }
            await next(http);
        };
        return faults;
    }

    static IResult StatusFor(int status, HttpContext http) => status switch
    {
        403 => KubernetesStatus.Forbidden("get", http.Request.Path.Value?.Split('/').ElementAtOrDefault(5) ?? "resource",
            http.Request.Path.Value?.Split('/').ElementAtOrDefault(4) ?? ""),
        404 => KubernetesStatus.Failure(404, "NotFound", "the server could not find the requested resource"),
        429 => KubernetesStatus.Failure(429, "TooManyRequests", "too many requests, please try again later"),
        _ => KubernetesStatus.Failure(status, "InternalError", $"Internal error occurred: injected fault {status}"),
    };

    /// <summary>False when the client gave up or the server is stopping: then there is no one to answer.</summary>
    static async Task<bool> WaitAsync(TimeSpan delay, CancellationToken aborted, CancellationToken stopping)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(aborted, stopping);
        try
        {
            await Task.Delay(delay, either.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
