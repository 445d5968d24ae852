using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Npgsql;

namespace Webhook.Tests.Support;

/// <summary>
/// A real PostgreSQL server (Debian's postgresql package) for the test run: initdb into a temporary folder, postgres
/// on a free loopback port with its socket in that folder, stopped and removed on dispose. Shared by the classes of
/// the <see cref="PostgresCollection"/>; each takes a database of its own and a schema per test.
/// As root, initdb and postgres refuse to run, so they run as the postgres user (setpriv execs without forking,
/// so the process we hold is postgres itself and a signal reaches it). A run killed before dispose leaves no server
/// for long: TestTemp removes the folder at the next run, and postgres shuts itself down within a minute of its
/// postmaster.pid disappearing.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    const string SuperUser = "postgres";
    readonly TempFolder _folder = TestTemp.NewFolder("pg");
    readonly ConcurrentQueue<string> _log = new();
    readonly ConcurrentDictionary<string, Lazy<Task<string>>> _databases = new();
    Process? _postgres;
    int _port;

    /// <summary>The collection's server, on a free port.</summary>
    public PostgresServer() { }

    /// <summary>A server of a test's own on a port chosen before (a service that starts before its database).</summary>
    public static async Task<PostgresServer> StartAsync(int port)
    {
        var server = new PostgresServer { _port = port };
        await server.InitializeAsync();
        return server;
    }

    /// <summary>The built-in database "postgres", without creating one.</summary>
    public string DefaultConnectionString => Connection("postgres");

    public string Log => string.Join('\n', _log);

    public async Task InitializeAsync()
    {
        var data = Path.Combine(_folder.Path, "data");
        if (IsRoot)
        {
            // The server's files must be its user's; the folder's parents only need to be traversable by it, which
            // the run's root folder is not under a umask of 077.
            await RunAsync("chown", ["-R", $"{SuperUser}:{SuperUser}", _folder.Path]);
            var root = Path.GetDirectoryName(_folder.Path)!;
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(root, File.GetUnixFileMode(root) | UnixFileMode.OtherExecute);
        }
        await RunAsync(Path.Combine(BinDirectory(), "initdb"), ["-D", data, "-U", SuperUser, "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"], asServerUser: true);

        if (_port == 0) _port = ServiceProcess.FreePort();
        await StartProcessAsync();
    }

    /// <summary>Starts postgres on the folder's data and port (again, after <see cref="StopAsync"/>) and waits until it takes connections.</summary>
    public async Task StartProcessAsync()
    {
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var info = Start(Path.Combine(BinDirectory(), "postgres"),
        [
            "-D", Path.Combine(_folder.Path, "data"), "-p", _port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-c", "listen_addresses=127.0.0.1", "-c", $"unix_socket_directories={_folder.Path}",
            "-c", "max_connections=100", "-c", "shared_buffers=32MB",
            // Logs to stderr, which we read: the ready line ends the wait below.
            "-c", "logging_collector=off",
        ], asServerUser: true);
        var postgres = new Process { StartInfo = info, EnableRaisingEvents = true };
        void OnLine(string? line)
        {
            if (line is null) return;
            _log.Enqueue(line);
            if (line.Contains("database system is ready to accept connections", StringComparison.Ordinal)) ready.TrySetResult();
        }
        postgres.OutputDataReceived += (_, e) => OnLine(e.Data);
        postgres.ErrorDataReceived += (_, e) => OnLine(e.Data);
        postgres.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"postgres exited at start:\n{Log}"));
        postgres.Start();
        postgres.BeginOutputReadLine();
        postgres.BeginErrorReadLine();
        _postgres = postgres;
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>
    /// Stops the server as an operator or a failover would (fast shutdown: sessions are ended), keeping its data;
    /// <see cref="StartProcessAsync"/> starts it again on the same port.
    /// </summary>
    public async Task StopAsync()
    {
        if (_postgres is { HasExited: false } postgres)
        {
            _ = kill(postgres.Id, 2); // SIGINT: PostgreSQL's fast shutdown
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try { await postgres.WaitForExitAsync(timeout.Token); }
            catch (OperationCanceledException) { postgres.Kill(entireProcessTree: true); await postgres.WaitForExitAsync(); }
        }
        _postgres?.Dispose();
        _postgres = null;
    }

    /// <summary>A connection string for <paramref name="database"/> (created on first use), with <paramref name="schema"/> (created) first on the search path.</summary>
    public async Task<string> ConnectionStringAsync(string database, string? schema = null)
    {
        var created = await _databases.GetOrAdd(database, name => new Lazy<Task<string>>(() => CreateDatabaseAsync(name))).Value;
        if (schema is null) return created;
        await using (var connection = new NpgsqlConnection(created))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE SCHEMA \"{schema}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(created) { SearchPath = schema }.ConnectionString;
    }

    /// <summary>
    /// A service's handle on the shared database, as one process opens it (schema migrated), on
    /// <paramref name="clock"/>; <paramref name="configure"/> sets more inbox options. Each call is another process:
    /// a restart, or another replica.
    /// </summary>
    public static async Task<Webhook.Inbox.PostgresInbox> OpenInboxAsync(string connectionString, TimeProvider clock,
        Action<Webhook.Inbox.InboxOptions>? configure = null)
    {
        var options = new Webhook.Inbox.InboxOptions { Provider = Webhook.Inbox.InboxProvider.Postgres, ConnectionString = connectionString };
        configure?.Invoke(options);
        var inbox = new Webhook.Inbox.PostgresInbox(Microsoft.Extensions.Options.Options.Create(options), clock);
        await inbox.InitializeAsync(CancellationToken.None);
        return inbox;
    }

    async Task<string> CreateDatabaseAsync(string name)
    {
        await using (var connection = new NpgsqlConnection(Connection("postgres")))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        return Connection(name);
    }

    string Connection(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1", Port = _port, Username = SuperUser, Database = database, IncludeErrorDetail = true,
        // Tests open and dispose stores often: pooled connections would pile up as idle sessions.
        Pooling = true, MaxPoolSize = 20,
    }.ConnectionString;

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await StopAsync();
        _folder.Dispose();
    }

    static bool IsRoot => geteuid() == 0;

    /// <summary>Debian's server binaries (tests/run.sh installs the postgresql package).</summary>
    static string BinDirectory()
    {
        var versions = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Where(d => File.Exists(Path.Combine(d, "bin", "postgres")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0).ToList()
            : [];
        return versions.Count > 0 ? Path.Combine(versions[0], "bin")
            : throw new InvalidOperationException("PostgreSQL is not installed (/usr/lib/postgresql/*/bin/postgres); tests/run.sh installs Debian's postgresql.");
    }

    static ProcessStartInfo Start(string file, IEnumerable<string> args, bool asServerUser)
    {
        var info = new ProcessStartInfo(asServerUser && IsRoot ? "setpriv" : file)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            // The server user may not read the test's working directory.
            WorkingDirectory = "/",
        };
        if (asServerUser && IsRoot)
        {
            foreach (var arg in new[] { $"--reuid={SuperUser}", $"--regid={SuperUser}", "--init-groups", "--", file }) info.ArgumentList.Add(arg);
        }
        foreach (var arg in args) info.ArgumentList.Add(arg);
        return info;
    }

    static async Task RunAsync(string file, IEnumerable<string> args, bool asServerUser = false)
    {
        using var process = Process.Start(Start(file, args, asServerUser))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(file)} failed (exit {process.ExitCode}):\n{await stdout}\n{await stderr}");
    }

    [DllImport("libc")]
    static extern int kill(int pid, int signal);

    [DllImport("libc")]
    static extern uint geteuid();
}

/// <summary>The test classes that share one <see cref="PostgresServer"/>; they run one after the other.</summary>
[CollectionDefinition(nameof(PostgresCollection))]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>;
