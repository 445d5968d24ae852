using System.Collections.Concurrent;

namespace Webhook.Replay;

/// <summary>What the replay server was asked and how many log bytes it sent: evidence for tests and the benchmark.</summary>
public sealed class ReplayStats
{
    readonly ConcurrentQueue<string> requests = new();
    long logBytesSent;

    /// <summary>Path and query of every request, in arrival order.</summary>
    public IReadOnlyList<string> Requests => requests.ToArray();
    public long LogBytesSent => Interlocked.Read(ref logBytesSent);

    internal void Request(string pathAndQuery) => requests.Enqueue(pathAndQuery);
    internal void LogBytes(long n) => Interlocked.Add(ref logBytesSent, n);
}
