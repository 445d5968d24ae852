using System.Buffers;
using System.Text;

namespace Webhook.Collect;

/// <summary>What a bounded read of a log produced.</summary>
public sealed record LogRead(string Text, bool Truncated, long BytesRead);

/// <summary>
/// Reads the end of a log stream within fixed memory: never more than <c>readLimitBytes</c> from the wire,
/// never more than <c>maxBytes</c> kept, never more than <c>tailLines</c> lines returned. The limits are
/// enforced here even when the API server already applied <c>tailLines</c>/<c>limitBytes</c>, so a server
/// (or proxy) that ignores them cannot make us buffer a 10 MB log.
/// </summary>
public static class LogTailReader
{
    const int ChunkSize = 16 * 1024;

    public static async Task<LogRead> ReadAsync(Stream stream, int tailLines, int maxBytes, int readLimitBytes, CancellationToken ct)
    {
        var chunks = new Queue<(byte[] Buffer, int Count)>();
        long kept = 0, read = 0;
        var droppedFront = false;
        try
        {
            while (read < readLimitBytes)
            {
                var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
                var want = (int)Math.Min(ChunkSize, readLimitBytes - read);
                var n = await stream.ReadAsync(buffer.AsMemory(0, want), ct);
                if (n == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    break;
                }
                chunks.Enqueue((buffer, n));
                kept += n;
                read += n;
                // Drop whole chunks that lie entirely before the last maxBytes.
                while (kept - chunks.Peek().Count >= maxBytes)
                {
                    var (old, count) = chunks.Dequeue();
                    kept -= count;
                    droppedFront = true;
                    ArrayPool<byte>.Shared.Return(old);
                }
            }
            var hitReadLimit = read >= readLimitBytes;
            var bytes = Concat(chunks, kept, maxBytes, ref droppedFront);
            var text = Encoding.UTF8.GetString(bytes);
            if (droppedFront)
                text = AfterFirstNewline(text); // the first line is a fragment
            if (hitReadLimit)
                text = ThroughLastNewline(text); // so is the last, cut off by the limit
            var (tail, cutLines) = LastLines(text, tailLines);
            return new LogRead(tail, droppedFront || cutLines || hitReadLimit, read);
        }
        finally
        {
            foreach (var (buffer, _) in chunks)
                ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    static byte[] Concat(Queue<(byte[] Buffer, int Count)> chunks, long kept, int maxBytes, ref bool droppedFront)
    {
        var skip = (int)Math.Max(0, kept - maxBytes);
        if (skip > 0) droppedFront = true;
        var result = new byte[kept - skip];
        var at = 0;
        foreach (var (buffer, count) in chunks)
        {
            var from = Math.Min(skip, count);
            skip -= from;
            buffer.AsSpan(from, count - from).CopyTo(result.AsSpan(at));
            at += count - from;
        }
        return result;
    }

    static string AfterFirstNewline(string text)
    {
        var i = text.IndexOf('\n');
        return i < 0 ? text : text[(i + 1)..];
    }

    static string ThroughLastNewline(string text)
    {
        var i = text.LastIndexOf('\n');
        return i < 0 ? text : text[..(i + 1)];
    }

    /// <summary>The last <paramref name="count"/> lines; true when earlier lines were cut (or may have been, at exactly the limit).</summary>
    internal static (string Text, bool Cut) LastLines(string text, int count)
    {
        var end = text.EndsWith('\n') ? text.Length - 1 : text.Length;
        var at = end;
        for (var lines = 0; lines < count; lines++)
        {
            if (at <= 0)
                return (text, false);
            at = text.LastIndexOf('\n', at - 1);
            if (at < 0)
                return (text, lines + 1 >= count);
        }
        return (text[(at + 1)..], true);
    }
}
