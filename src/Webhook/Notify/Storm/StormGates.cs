using System.Collections.Concurrent;

namespace Webhook.Notify.Storm;

/// <summary>
/// The storm gate of each chat destination, by destination id, for the delivery stage to consult before any post.
/// Owns the gates' digest loops: they stop with the host (what they hold is in the <see cref="IStormStore"/> and is
/// posted after the next start), so none runs on unobserved. Recovery waits for the host's start, not the gate's
/// creation: the destinations are built before the inbox's file is opened. It is tried again until the store answers
/// (a replica started while its database is down recovers once the database is up), and on a shared store it goes
/// on looking every <see cref="OrphanScan"/> for batches whose poster's process ended with nobody watching them.
/// </summary>
public sealed class StormGates : IHostedService
{
    private readonly ConcurrentDictionary<string, StormGate> _gates = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, byte> _loops = new();
    private readonly CancellationTokenSource _stopping = new();

    // The recovery loops, one per gate: not digest loops (Running), since on a shared store they last as long as the host.
    private readonly ConcurrentDictionary<Task, byte> _recoveries = new();

    private readonly Lock _starting = new();
    private bool _started;

    /// <summary>How often a gate on a shared store looks for batches of replicas that are gone.</summary>
    public static readonly TimeSpan OrphanScan = TimeSpan.FromSeconds(15);

    /// <summary>The first wait before recovery is tried again after the store did not answer; doubled up to <see cref="OrphanScan"/>.</summary>
    private static readonly TimeSpan RecoveryRetry = TimeSpan.FromSeconds(1);

    public void Add(StormGate gate)
    {
        _gates[gate.DestinationId] = gate;
        lock (_starting)
        {
            // A gate made after the start recovers at once.
            if (_started) Recover(gate);
        }
    }

    private void Recover(StormGate gate)
    {
        var task = Task.Run(() => KeepRecoveringAsync(gate, _stopping.Token));
        _recoveries[task] = 0;
        task.ContinueWith(t => _recoveries.TryRemove(t, out _), TaskScheduler.Default);
    }

    private static async Task KeepRecoveringAsync(StormGate gate, CancellationToken stopping)
    {
        var retry = RecoveryRetry;
        try
        {
            while (true)
            {
                if (await gate.RecoverAsync(stopping))
                {
                    if (!gate.Shared) return;
                    retry = RecoveryRetry;
                    await Task.Delay(OrphanScan, stopping);
                }
                else
                {
                    await Task.Delay(retry, stopping);
                    retry = retry * 2 > OrphanScan ? OrphanScan : retry * 2;
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    public StormGate? For(string destinationId) => _gates.GetValueOrDefault(destinationId);

    public CancellationToken Stopping => _stopping.Token;

    public void Track(Func<CancellationToken, Task> loop)
    {
        var task = Task.Run(() => loop(_stopping.Token));
        _loops[task] = 0;
        task.ContinueWith(t => _loops.TryRemove(t, out _), TaskScheduler.Default);
    }

    /// <summary>Digest loops still running (tests wait for zero instead of sleeping).</summary>
    public int Running => _loops.Count;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_starting)
        {
            _started = true;
            foreach (var gate in _gates.Values) Recover(gate);
        }
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_loops.Keys.Concat(_recoveries.Keys)).WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
    }
}
