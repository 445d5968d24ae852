using Webhook.Alerts;

namespace Webhook.Operations;

public static class BenchmarkEndpoint
{
    /// <summary>
    /// Mapped only when Benchmark:NoOpEndpoint is true, for tests/bench/intake.sh to compare in one process and run:
    /// /bench/noop only reads the body (the bare framework); /bench/intake-without-commit does everything
    /// POST /alerts does (auth, parse, checks, keys, storage JSON, metrics) except the durable commit, so the
    /// report can tell the request path's cost from the commit's.
    /// </summary>
    public static IEndpointRouteBuilder MapBenchmarkEndpoint(this WebApplication app)
    {
        if (!app.Configuration.GetValue<bool>("Benchmark:NoOpEndpoint")) return app;
        var bench = app.MapGroup("/bench");
        bench.MapPost("/noop", async (HttpRequest request) =>
        {
            await request.Body.CopyToAsync(Stream.Null);
            return TypedResults.Accepted((string?)null);
        });
        bench.MapPost("/intake-without-commit", async http =>
        {
            var intake = http.RequestServices.GetRequiredService<IntakeHandler>();
            var (received, problem) = await intake.ReceiveAsync(http, Notify.DestinationRegistry.DefaultRoute);
            if (problem is not null) await problem.ExecuteAsync(http);
            else IntakeHandler.WriteAccepted(http.Response, new IntakeResult(received!.Items.Count, 0, received.Ignored));
        });
        return app;
    }
}
