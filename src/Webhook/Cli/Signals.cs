using System.Runtime.InteropServices;

namespace Webhook.Cli;

/// <summary>
/// Ctrl+C (SIGINT) and SIGTERM (kubectl delete, docker stop, systemd) as one cancellation, for the tools that run
/// until stopped (<c>replay</c>). The service itself (serve, demo) is stopped by the host, which handles both.
/// </summary>
public sealed class Signals : IDisposable
{
    readonly CancellationTokenSource stop;
    readonly PosixSignalRegistration[] registrations;

    public Signals(CancellationToken outer = default)
    {
        stop = CancellationTokenSource.CreateLinkedTokenSource(outer);
        registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop),
        ];
    }

    /// <summary>Cancelled by the first SIGINT or SIGTERM.</summary>
    public CancellationToken Token => stop.Token;

    void Stop(PosixSignalContext context)
    {
        context.Cancel = true; // we end the process ourselves, after cleaning up
        stop.Cancel();
    }

    public void Dispose()
    {
        foreach (var registration in registrations) registration.Dispose();
        stop.Dispose();
    }
}
