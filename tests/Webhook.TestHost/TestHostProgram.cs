using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Webhook.TestHost;

/// <summary>
/// The service on a real port with the load-test switches, for scripts (tests/bench/intake.sh):
/// <c>Webhook.TestHost --urls http://127.0.0.1:5181 [--no-pipeline] [--bench-endpoints] [--prepared-snapshots DIR]</c>; everything else is
/// configured as for the service (environment variables, appsettings.json).
/// </summary>
public static class TestHostProgram
{
    public static async Task<int> Main(string[] args)
    {
        var urls = args.SkipWhile(a => a != "--urls").Skip(1).FirstOrDefault() ?? "http://127.0.0.1:5181";
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            // The factory's default is Development; a benchmark measures the service as shipped.
            builder.UseEnvironment(Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? Environments.Production);
            // The service's files (appsettings.json) are copied next to this host; the factory would look for a
            // source folder named after the service's assembly, which only a test project run from the tree has.
            builder.UseContentRoot(AppContext.BaseDirectory);
            builder.UseSetting(WebHostDefaults.ServerUrlsKey, urls);
            if (args.Contains("--no-pipeline")) builder.WithoutPipeline();
            if (args.Contains("--bench-endpoints")) builder.WithBenchmarkEndpoints();
            if (args.SkipWhile(a => a != "--prepared-snapshots").Skip(1).FirstOrDefault() is { } snapshots) builder.WithPreparedSnapshots(snapshots);
        });
        factory.UseKestrel();
        factory.StartServer();
        Console.WriteLine($"listening on {urls}");
        // Until SIGINT/SIGTERM: the script stops the host by its process id.
        var stop = new TaskCompletionSource();
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
        await stop.Task;
        return 0;
    }
}
