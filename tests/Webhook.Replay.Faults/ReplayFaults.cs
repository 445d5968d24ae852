using System.Collections.Concurrent;

namespace Webhook.Replay;

/// <summary>
/// Faults to inject per request path (matched by how the path ends, e.g. "/events", "/log"), so tests can reproduce
/// a forbidden call, a flaky API server, a call slower than the collector's deadline, or a server that
/// ignores <c>tailLines</c>/<c>limitBytes</c>.
/// </summary>
public sealed class ReplayFaults
{
    readonly ConcurrentQueue<Fault> faults = new();

    /// <summary>Answer 403 with a Kubernetes Status body.</summary>
    public ReplayFaults Forbid(string pathEnd) => Add(new Fault(pathEnd) { Status = 403 });

    /// <summary>Answer <paramref name="status"/> for the first <paramref name="times"/> requests, then normally.</summary>
    public ReplayFaults Fail(string pathEnd, int status, int times = int.MaxValue) =>
        Add(new Fault(pathEnd) { Status = status, Remaining = times });

    /// <summary>Wait this long before answering (or until the client gives up).</summary>
    public ReplayFaults Delay(string pathEnd, TimeSpan delay) => Add(new Fault(pathEnd) { Delay = delay });

    /// <summary>Never answer: the request hangs until the client cancels or the server stops.</summary>
    public ReplayFaults Hang(string pathEnd) => Add(new Fault(pathEnd) { Delay = Timeout.InfiniteTimeSpan });

    /// <summary>Serve whole log files, as a misbehaving proxy might, to prove the client bounds what it reads.</summary>
    public ReplayFaults IgnoreLogLimits(string pathEnd = "/log") => Add(new Fault(pathEnd) { IgnoreLimits = true });

    public void Clear() => faults.Clear();

    internal IEnumerable<Fault> Matching(string path) =>
        faults.Where(f => path.EndsWith(f.PathEnd, StringComparison.Ordinal) && f.TryUse());

    ReplayFaults Add(Fault fault)
    {
        faults.Enqueue(fault);
        return this;
    }

    internal sealed class Fault(string pathEnd)
    {
        int remaining = int.MaxValue;
        public string PathEnd { get; } = pathEnd;
        public int? Status { get; init; }
        public TimeSpan? Delay { get; init; }
        public bool IgnoreLimits { get; init; }
        public int Remaining { init => remaining = value; }

        public bool TryUse() => remaining == int.MaxValue || Interlocked.Decrement(ref remaining) >= 0;
    }
}
