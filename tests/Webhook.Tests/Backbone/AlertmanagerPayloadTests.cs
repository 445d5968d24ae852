using System.Buffers;
using System.Text;
using Webhook.Alerts;

namespace Webhook.Tests.Backbone;

/// <summary>Kestrel hands the body over in 4 KiB buffers; a group bigger than that arrives in pieces.</summary>
public class AlertmanagerPayloadTests
{
    static ReadOnlySequence<byte> InPieces(string json, int pieceSize)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        Piece? first = null, last = null;
        for (var offset = 0; offset < bytes.Length; offset += pieceSize)
        {
            var piece = new Piece(bytes.AsMemory(offset, Math.Min(pieceSize, bytes.Length - offset)));
            if (last is null) first = piece; else last.Append(piece);
            last = piece;
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    sealed class Piece : ReadOnlySequenceSegment<byte>
    {
        public Piece(ReadOnlyMemory<byte> memory) => Memory = memory;
        public void Append(Piece next)
        {
            next.RunningIndex = RunningIndex + Memory.Length;
            Next = next;
        }
    }

    static string BigGroup(int alerts) =>
        Payloads.Group(Enumerable.Range(0, alerts).Select(i => Payloads.Alert($"fp-{i}")).ToArray()).ToJsonString();

    [Fact]
    public void AGroupThatArrivesInPiecesIsParsedWhole()
    {
        var json = BigGroup(60);
        Assert.True(json.Length > 3 * 4096);

        Assert.True(AlertmanagerPayload.TryParse(InPieces(json, 4096), out var message, out var error), error);
        Assert.Equal(60, message.Alerts!.Count);
        Assert.Equal("fp-59", message.Alerts[59].Fingerprint);
    }

    [Fact]
    public void AnErrorInAGroupThatArrivesInPiecesStillNamesItsPath()
    {
        var json = BigGroup(60).Replace("\"fp-42\"", "42");

        Assert.False(AlertmanagerPayload.TryParse(InPieces(json, 4096), out _, out var error));
        Assert.Contains("$.alerts[42].fingerprint", error);
    }

    [Fact]
    public void TrailingDataAfterTheObjectIsRejected()
    {
        Assert.False(AlertmanagerPayload.TryParse(InPieces(BigGroup(1) + "{}", 64), out _, out var error));
        Assert.StartsWith("Malformed JSON", error);
    }
}
