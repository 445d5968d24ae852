using System.Buffers;
using System.Buffers.Binary;

namespace Webhook.Inbox;

/// <summary>
/// The keys of every item in the inbox, in memory, so the intake's writer finds a duplicate without a unique index.
/// Keys are SHA-256 derived, so a unique index on them is written at a random page for every insert: about half of
/// each commit's pages and the largest part of its CPU. Kept as 16-byte values (about 30 bytes per item with the
/// set's own overhead); safe because one process owns the inbox (see <see cref="InboxOwnership"/>).
/// Not thread-safe: the inbox uses it under its write lock.
/// </summary>
public sealed class KnownKeys
{
    readonly HashSet<UInt128> _keys = [];

    public int Count => _keys.Count;

    /// <summary>False when the key is already known.</summary>
    public bool Add(string key) => _keys.Add(Id(key));

    public void Remove(string key) => _keys.Remove(Id(key));

    /// <summary>The key's 128 bits when it is an <see cref="InboxKey"/> (32 hex digits), else the first 16 bytes of its SHA-256.</summary>
    static UInt128 Id(string key)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (key.Length != 32 || Convert.FromHexString(key, bytes, out _, out var written) != OperationStatus.Done || written != 16)
            InboxKey.Hash128(key, bytes);
        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }
}
