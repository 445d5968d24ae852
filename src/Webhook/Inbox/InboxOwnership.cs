namespace Webhook.Inbox;

/// <summary>
/// An exclusive lock on "&lt;inbox&gt;.lock" for the life of the process. Duplicates are recognised in memory
/// (<see cref="KnownKeys"/>), so a second service on the same file would let a repeat through; it stops at start
/// instead. The kernel drops the lock when the process dies, also on kill -9.
/// </summary>
public sealed class InboxOwnership : IDisposable
{
    readonly FileStream _lock;

    InboxOwnership(FileStream fileLock) => _lock = fileLock;

    public static InboxOwnership Take(string inboxPath)
    {
        var path = inboxPath + ".lock";
        try
        {
            // FileShare.None is an exclusive flock on Linux and macOS, a share-mode lock on Windows.
            return new InboxOwnership(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1));
        }
        catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new IOException(
                $"another process is using this inbox ({path} is locked). Each instance of the service needs its own Inbox:Path.", ex);
        }
    }

    public void Dispose() => _lock.Dispose();
}
