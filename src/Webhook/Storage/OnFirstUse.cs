namespace Webhook.Storage;

/// <summary>
/// Runs a part's set-up (its tables in the shared file) once, on the part's first use rather than at start: parts
/// that a configuration never uses (the Slack incidents without a bot token) leave the file as it was. A set-up that
/// fails is tried again on the next use.
/// </summary>
public sealed class OnFirstUse(Func<CancellationToken, Task> setUp)
{
    readonly SemaphoreSlim _gate = new(1, 1);
    volatile bool _done;

    public async ValueTask EnsureAsync(CancellationToken cancellationToken)
    {
        if (_done) return;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_done) return;
            await setUp(cancellationToken);
            _done = true;
        }
        finally
        {
            _gate.Release();
        }
    }
}
