using System.Text;
using Webhook.Collect;

namespace Webhook.Tests.Collect;

public sealed class LogTailReaderTests
{
    [Fact]
    public async Task AShortLogIsReturnedWholeAndNotMarkedTruncated()
    {
        var read = await ReadAsync("a\nb\n", tailLines: 10, maxBytes: 1024, readLimit: 4096);

        Assert.Equal(new LogRead("a\nb\n", false, 4), read);
    }

    [Fact]
    public async Task OnlyTheLastLinesAreKept()
    {
        var read = await ReadAsync("1\n2\n3\n4\n", tailLines: 2, maxBytes: 1024, readLimit: 4096);

        Assert.Equal("3\n4\n", read.Text);
        Assert.True(read.Truncated);
    }

    [Fact]
    public async Task PastMaxBytesTheStartIsDroppedAtALineBoundary()
    {
        var log = string.Concat(Enumerable.Range(0, 1000).Select(i => $"line {i:0000}\n"));

        var read = await ReadAsync(log, tailLines: 10_000, maxBytes: 1024, readLimit: 1 << 20);

        Assert.StartsWith("line ", read.Text);
        Assert.EndsWith("line 0999\n", read.Text);
        Assert.True(read.Text.Length <= 1024);
        Assert.True(read.Truncated);
    }

    [Fact]
    public async Task AStreamLongerThanTheReadLimitIsNeverReadPastIt()
    {
        var endless = new EndlessStream();

        var read = await LogTailReader.ReadAsync(endless, 300, 64 * 1024, 256 * 1024, CancellationToken.None);

        Assert.Equal(256 * 1024, endless.BytesRead);
        Assert.Equal(256 * 1024, read.BytesRead);
        Assert.True(read.Truncated);
    }

    static Task<LogRead> ReadAsync(string log, int tailLines, int maxBytes, int readLimit) =>
        LogTailReader.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(log)), tailLines, maxBytes, readLimit, CancellationToken.None);

    /// <summary>A log that never ends, counting what was taken from it.</summary>
    sealed class EndlessStream : Stream
    {
        public long BytesRead { get; private set; }
        public override int Read(byte[] buffer, int offset, int count)
        {
            buffer.AsSpan(offset, count).Fill((byte)'x');
            buffer[offset + count - 1] = (byte)'\n';
            BytesRead += count;
            return count;
        }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
