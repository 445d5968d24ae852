using System.Buffers;

namespace Webhook.Replay;

/// <summary>
/// Serves a log file the way the kubelet does: <c>tailLines</c> first, then at most <c>limitBytes</c> from the
/// start of that tail. Finds the tail by scanning backwards, so a 10 MB file costs one small buffer.
/// </summary>
static class LogFileTail
{
    const int BlockSize = 64 * 1024;

    public static async Task<long> CopyAsync(string path, int? tailLines, long? limitBytes, Stream output, CancellationToken ct)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous);
        var buffer = ArrayPool<byte>.Shared.Rent(BlockSize);
        try
        {
            file.Position = tailLines is { } n ? await TailOffsetAsync(file, n, buffer, ct) : 0;
            var remaining = limitBytes ?? long.MaxValue;
            long written = 0;
            while (remaining > 0)
            {
                var read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(BlockSize, remaining)), ct);
                if (read == 0)
                    break;
                await output.WriteAsync(buffer.AsMemory(0, read), ct);
                remaining -= read;
                written += read;
            }
            return written;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    static async Task<long> TailOffsetAsync(FileStream file, int lines, byte[] buffer, CancellationToken ct)
    {
        var length = file.Length;
        if (lines <= 0)
            return length;
        var end = length;
        var needed = lines;
        while (end > 0)
        {
            var size = (int)Math.Min(BlockSize, end);
            var start = end - size;
            file.Position = start;
            await file.ReadExactlyAsync(buffer.AsMemory(0, size), ct);
            for (var i = size - 1; i >= 0; i--)
            {
                // The newline that ends the file closes the last line; it does not start another.
                if (buffer[i] != (byte)'\n' || start + i == length - 1)
                    continue;
                if (--needed == 0)
                    return start + i + 1;
            }
            end = start;
        }
        return 0;
    }
}
