namespace Webhook.Inbox;

/// <summary>
/// Answers the intake's senders once the WAL holding their commit is on disk. The writer commits with
/// synchronous=NORMAL (SQLite writes the frames, crash-safe, but does not fsync), hands the batch over and goes on
/// with the next one, while this thread runs one fsync of the WAL for all batches committed since its last one.
/// With synchronous=FULL the fsync sat between two commits; here it overlaps the next batch's inserts.
/// fsync flushes the file, whichever descriptor wrote it, so a commit acknowledged here is as durable as a FULL one.
/// </summary>
public sealed class WalFlusher : IDisposable
{
    readonly string _walPath;
    readonly Lock _gate = new();
    readonly ManualResetEventSlim _ready = new(false);
    readonly Thread _thread;
    List<(TaskCompletionSource<EnqueueResult> Sender, EnqueueResult Result)> _waiting = [], _spare = [];
    bool _stopping;
    volatile string? _failure;

    public WalFlusher(string databasePath)
    {
        _walPath = databasePath + "-wal";
        _thread = new Thread(Run) { IsBackground = true, Name = "Inbox WAL flusher" };
        _thread.Start();
    }

    /// <summary>Set once an fsync failed: after that nothing written can be trusted to be on disk (the kernel may have dropped the pages).</summary>
    public string? Failure => _failure;

    /// <summary>Answers these senders after the next fsync of the WAL; called right after their commit.</summary>
    public void Acknowledge(IReadOnlyList<TaskCompletionSource<EnqueueResult>> senders, EnqueueResult[] results)
    {
        lock (_gate)
        {
            for (var i = 0; i < senders.Count; i++) _waiting.Add((senders[i], results[i]));
        }
        _ready.Set();
    }

    void Run()
    {
        while (true)
        {
            _ready.Wait();
            List<(TaskCompletionSource<EnqueueResult> Sender, EnqueueResult Result)> taken;
            bool stopping;
            lock (_gate)
            {
                _ready.Reset();
                (taken, _waiting) = (_waiting, _spare);
                stopping = _stopping;
            }
            if (taken.Count > 0) FlushAndAnswer(taken);
            _spare = taken;
            if (stopping) return;
        }
    }

    void FlushAndAnswer(List<(TaskCompletionSource<EnqueueResult> Sender, EnqueueResult Result)> taken)
    {
        if (_failure is null)
        {
            try
            {
                // Opened per flush, as SQLite may delete and recreate the WAL when its connections close. Closing it is
                // safe: SQLite's POSIX locks are on the database and -shm files, never on the WAL.
                using var wal = new FileStream(_walPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, 1);
                wal.Flush(flushToDisk: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _failure = $"the inbox's write-ahead log could not be synced to disk ({ex.Message}); restart the service";
            }
        }
        foreach (var (sender, result) in taken)
        {
            if (_failure is null) sender.TrySetResult(result);
            else sender.TrySetException(new InboxUnavailableException(_failure));
        }
        taken.Clear();
    }

    /// <summary>Answers what is still waiting, then stops the thread.</summary>
    public void Dispose()
    {
        lock (_gate) _stopping = true;
        _ready.Set();
        _thread.Join();
        _ready.Dispose();
    }
}
