using System.Runtime.CompilerServices;

namespace Webhook.Operations;

/// <summary>
/// Once the host has started, one full compacting GC that gives the free heap memory back to the system
/// (<see cref="GCCollectionMode.Aggressive"/>). A start builds the configuration, the DI container, options, routes and
/// loggers, and most of what it allocates is garbage once it is done; without this, that garbage and the heap space it
/// filled stay resident until alerts make the GC run, which on a quiet cluster can be days (tests/bench/FOOTPRINT.md:
/// the idle Native AOT image's anonymous memory). It runs once, on the thread pool after ApplicationStarted, so it is
/// not on the way to /readyz; it costs a few ms of CPU on a heap of a few MB.
/// </summary>
sealed class StartupGarbage(IHostApplicationLifetime lifetime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Native AOT only, the shipped image: in a JIT process (dotnet run, the tests' hosts) the start's garbage is
        // mostly the JIT's, and a test process starts many hosts, each of which would block it for a full GC.
        if (!RuntimeFeature.IsDynamicCodeCompiled)
            lifetime.ApplicationStarted.Register(static () => ThreadPool.UnsafeQueueUserWorkItem(
                static _ => GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true), null));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
