namespace Webhook.Operations;

public static class BenchmarkEndpoint
{
    /// <summary>
    /// A no-op POST that only reads the body, mapped when Benchmark:NoOpEndpoint is true, so the intake's
    /// throughput can be compared with the bare framework in the same process and run.
    /// </summary>
    public static IEndpointRouteBuilder MapBenchmarkEndpoint(this WebApplication app)
    {
        if (!app.Configuration.GetValue<bool>("Benchmark:NoOpEndpoint")) return app;
        app.MapPost("/bench/noop", async (HttpRequest request) =>
        {
            await request.Body.CopyToAsync(Stream.Null);
            return TypedResults.Accepted((string?)null);
        });
        return app;
    }
}
