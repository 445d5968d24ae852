using System.Collections.Concurrent;

namespace Webhook.Notify.Storm;

/// <summary>
/// The storm gate of each chat destination, by destination id, for the delivery stage to consult before any post.
/// Owns the gates' digest loops: they stop with the host (what they hold is in the <see cref="IStormStore"/> and is
/// posted after the next start), so none runs on unobserved. Recovery waits for the host's start, not the gate's
/// creation: the destinations are built before the inbox's file is opened.
/// </summary>
public sealed class StormGates : IHostedService
{
    private readonly ConcurrentDictionary<string, StormGate> _gates = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, byte> _loops = new();
    private readonly CancellationTokenSource _stopping = new();

    private readonly Lock _starting = new();
    private bool _started;

    public void Add(StormGate gate)
    {
        _gates[gate.DestinationId] = gate;
        lock (_starting)
        {
            // A gate made after the start recovers at once.
            if (_started) Track(gate.RecoverAsync);
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
            foreach (var gate in _gates.Values) Track(gate.RecoverAsync);
        }
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_loops.Keys).WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
    }
}
