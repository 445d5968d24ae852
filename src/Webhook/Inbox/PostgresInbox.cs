using System.Buffers.Binary;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Webhook.Inbox;

/// <summary>
/// The shared store: one PostgreSQL database for several replicas. Unlike <see cref="SqliteInbox"/>, nothing about
/// the queue is kept in memory, since another replica may change it at any time: duplicates are found by the unique
/// key (<c>INSERT … ON CONFLICT DO NOTHING</c>), an alert's order and the routes' load by queries at claim time, and
/// claims of one alert take turns through a per-alert advisory lock (see <see cref="AlertLocks"/>). Times come from
/// the injected clock, never the server's <c>now()</c>, so leases and retention behave alike on both stores.
/// Its parts: <see cref="PostgresSchema"/> (migrations), the queue operations (PostgresInbox.Queue.cs) and the
/// queries (PostgresInbox.Queries.cs).
/// </summary>
public sealed partial class PostgresInbox : IInboxStore, IAsyncDisposable
{
    /// <summary>
    /// Alerts are spread over this many advisory locks (route + fingerprint, hashed). A claim holds the locks of the
    /// alerts it takes exclusively, so two replicas never hand out two items of one alert at once; an insert holds
    /// those of the alerts it adds shared (inserts do not wait for each other), so no claim of an alert runs while an
    /// item of it is being inserted and may commit after a later one: "the earliest open item" is never decided on a
    /// partial view. Bounded so a storm's insert of thousands of alerts takes at most this many entries of the
    /// server's lock table.
    /// </summary>
    internal const int AlertLocks = 1024;

    /// <summary>
    /// First key of the session advisory lock each running store holds on its own connection, with its owner id as
    /// second key: an in-flight item whose owner no longer holds it belongs to a replica that stopped or died.
    /// </summary>
    const int OwnerClass = PostgresSchema.LockClass + (int)Webhook.Storage.PostgresLockClass.InboxOwner;

    readonly InboxOptions _options;
    readonly TimeProvider _clock;
    readonly ILogger _logger;
    readonly NpgsqlDataSource _dataSource;
    readonly NpgsqlDataSource _claimsDataSource;
    readonly NpgsqlDataSource _completionsDataSource;
    readonly string _ownerConnectionString;
    readonly InboxDoorbell? _doorbell;
    readonly CancellationTokenSource _stopping = new();
    readonly SemaphoreSlim _initialize = new(1, 1);
    volatile bool _initialized;
    Task? _listener;
    NpgsqlConnection? _ownerConnection;
    long _nextOwnerCheck;
    readonly RoundLoop _claimRounds;

    /// <summary>The claim rounds' loop last started: a stop waits for it, so what its claim keeps ahead goes back too.</summary>
    Task _claimRound = Task.CompletedTask;
    readonly RoundLoop _completionRounds;

    /// <param name="doorbell">Rung when any replica committed new items (LISTEN/NOTIFY), so an idle worker here claims them at once; and when a claim got all it asked for, so the next one does.</param>
    public PostgresInbox(IOptions<InboxOptions> options, TimeProvider clock, ILogger<PostgresInbox>? logger = null, InboxDoorbell? doorbell = null)
    {
        _options = options.Value;
        _clock = clock;
        _doorbell = doorbell;
        _logger = logger ?? (ILogger)Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        var builder = new NpgsqlConnectionStringBuilder(PooledConnectionString(_options.ConnectionString ?? throw new InvalidOperationException("Inbox:ConnectionString is not set")));
        _dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        // The claim rounds and the completion rounds (one of each at a time) each on a connection of its own: their
        // statements are prepared, and the claim's planned (a few ms of the server per plan), once per replica.
        // From the shared pool they ran on whichever of a replica's ten or so connections was free, each planning
        // them anew: in a 2,000-pod storm at 3 replicas some 100 plans, more server time than running the claims;
        // from one pool of two for both, each claim was still planned on both connections (30 plans, 160 ms).
        var rounds = new NpgsqlConnectionStringBuilder(builder.ConnectionString) { MinPoolSize = 0, MaxPoolSize = 1 };
        _claimsDataSource = NpgsqlDataSource.Create(rounds.ConnectionString);
        _completionsDataSource = NpgsqlDataSource.Create(rounds.ConnectionString);
        // The owner lock's and the listener's connections: each its own physical connection, never pooled, since
        // closing it must end the session that holds the owner lock. Idle for hours, so kept alive: a server or a
        // proxy that drops idle sessions would end the lock (and the replica's claims with it), and a peer that
        // vanished without closing is noticed instead of being waited on forever.
        builder.Pooling = false;
        builder.KeepAlive = 30;
        _ownerConnectionString = builder.ConnectionString;
        OwnerId = Random.Shared.Next(1, int.MaxValue);
        _aheadSize = _options.ClaimAhead;
        _claimRounds = new RoundLoop(() => _claimRound = ClaimRoundsAsync());
        _completionRounds = new RoundLoop(CompletionRoundsAsync);
    }

    /// <summary>
    /// The pooled connections' settings: the configured string, named, and with statements prepared automatically.
    /// The claim's queries take longer to plan than to run: prepared once per connection, they are planned once.
    /// A connection string that sets Max Auto Prepare (0 behind a pooler that cannot keep them) is left as it is.
    /// Prepared at Npgsql's default fifth use: prepared at the second, the claim's cached plans were made while a
    /// storm's first items were coming in, and cost the server more per alert than the four extra plans they saved.
    /// Looked up in the string as written: NpgsqlConnectionStringBuilder.ContainsKey is true for every keyword it
    /// knows, set or not, so asking it left auto-prepare off (every claim was planned anew).
    /// A connection goes back to the pool without the reset Npgsql sends by default (seven statements, about one
    /// per store call): no pooled connection keeps session state. Transactions are rolled back on return anyway;
    /// settings and the per-alert locks are transaction-scoped (SET LOCAL, set_config(…, true), xact locks); LISTEN
    /// and the owner lock are on connections of their own, never pooled; the one session lock taken on a pooled
    /// connection, a Slack conversation's, is released before it goes back, or its pool cleared
    /// (PostgresSlackIncidentStore). A connection string that sets No Reset On Close is left as it is.
    /// </summary>
    internal static string PooledConnectionString(string configured)
    {
        var written = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = configured };
        var builder = new NpgsqlConnectionStringBuilder(configured);
        if (string.IsNullOrEmpty(builder.ApplicationName)) builder.ApplicationName = "crashloop-webhook";
        if (!written.ContainsKey("Max Auto Prepare") && !written.ContainsKey("MaxAutoPrepare")) builder.MaxAutoPrepare = 32;
        if (!written.ContainsKey("No Reset On Close") && !written.ContainsKey("NoResetOnClose")) builder.NoResetOnClose = true;
        return builder.ConnectionString;
    }

    /// <summary>The claim rounds' connection (tests read what is prepared on it).</summary>
    internal NpgsqlDataSource ClaimsDataSource => _claimsDataSource;

    /// <summary>This store's owner id: in-flight items it claimed carry it.</summary>
    public long OwnerId { get; private set; }

    /// <summary>
    /// Applies the migrations and takes the owner lock. Throws <see cref="InboxUnavailableException"/> when the
    /// database cannot be reached; every operation tries again first, so the store heals once the database answers.
    /// </summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (_initialized) return;
        await _initialize.WaitAsync(cancellationToken);
        try
        {
            if (_initialized) return;
            await PostgresSchema.MigrateAsync(_dataSource, Now(), cancellationToken);
            await TakeOwnershipAsync(cancellationToken);
            if (_doorbell is not null && _listener is null)
            {
                var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _listener = Task.Run(() => ListenAsync(_doorbell, listening, _stopping.Token), CancellationToken.None);
                // Listening before the store counts as open, so nothing committed after this goes unheard.
                await listening.Task.WaitAsync(cancellationToken);
            }
            _initialized = true;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
        finally
        {
            _initialize.Release();
        }
    }

    /// <summary>
    /// Holds a session lock named by a fresh owner id on a connection of its own (another id when a live replica
    /// happens to hold the same one). Also called when that connection broke (the database restarted): the claims of
    /// the old id are then someone else's to recover, and what this store records about them is ignored by lease token.
    /// </summary>
    async Task TakeOwnershipAsync(CancellationToken cancellationToken)
    {
        if (_ownerConnection is not null) await _ownerConnection.DisposeAsync();
        _ownerConnection = null;
        var connection = new NpgsqlConnection(_ownerConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            for (var id = OwnerId; ; id = Random.Shared.Next(1, int.MaxValue))
            {
                await using var command = new NpgsqlCommand($"SELECT pg_try_advisory_lock({OwnerClass}, @id)", connection);
                command.Parameters.AddWithValue("id", (int)id);
                if (await command.ExecuteScalarAsync(cancellationToken) is true)
                {
                    OwnerId = id;
                    break;
                }
            }
            _ownerConnection = connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Every operation starts here: a store whose start found the database down initializes once it is up.</summary>
    async ValueTask ReadyAsync(CancellationToken cancellationToken)
    {
        if (!_initialized) await InitializeAsync(cancellationToken);
    }

    public async Task<EnqueueResult> EnqueueAsync(IReadOnlyList<NewInboxItem> items)
    {
        if (items.Count == 0) return new EnqueueResult(0, 0);
        // The first of each key only: a repeat in the same batch is a duplicate like a repeat of a stored key.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var unique = items.Where(i => seen.Add(i.Key)).ToList();
        var now = Now();
        try
        {
            await ReadyAsync(CancellationToken.None);
            await using var connection = await _dataSource.OpenConnectionAsync();
            // One round trip: the batch's statements run in one implicit transaction, committed by the server after
            // the last (durably: the intake acknowledges nothing that is not on disk), and a failure of either rolls
            // back both. Before, BEGIN, the locks, the insert, the notification and COMMIT took four.
            await using var batch = new NpgsqlBatch(connection);
            // Shared, so inserts wait only for a claim of the same alerts (a millisecond), never for each other.
            // Sorted anyway: the order of waits is the same for every insert.
            var locks = unique.Select(i => AlertLock(i.Alert.Route, i.Alert.Fingerprint)).Distinct().Order().ToArray();
            var lockCommand = new NpgsqlBatchCommand($"SELECT count(pg_advisory_xact_lock_shared({PostgresSchema.LockClass}, l)) FROM unnest(@locks) AS l");
            lockCommand.Parameters.AddWithValue("locks", locks);
            batch.BatchCommands.Add(lockCommand);
            // The notification is delivered to every listening replica at commit (none if this rolls back), and only
            // when something was added.
            var insert = new NpgsqlBatchCommand("""
                WITH added AS (
                    INSERT INTO inbox_items(key, route, fingerprint, starts_at, resolved, alert_lock, alert, trace_parent,
                                            state, next_attempt_at, created_at, updated_at)
                    SELECT k, r, f, s, res, l, a, t, 'pending', @now, @now, @now
                    FROM unnest(@keys, @routes, @fingerprints, @starts, @resolved, @locks, @alerts, @traces) WITH ORDINALITY AS u(k, r, f, s, res, l, a, t, n)
                    ORDER BY n
                    ON CONFLICT (key) DO NOTHING
                    RETURNING 1)
                SELECT c.n, CASE WHEN c.n > 0 THEN pg_notify(@channel, c.n::text) END FROM (SELECT count(*)::integer AS n FROM added) c
                """);
            insert.Parameters.AddWithValue("now", now);
            insert.Parameters.AddWithValue("keys", unique.Select(i => i.Key).ToArray());
            insert.Parameters.AddWithValue("routes", unique.Select(i => i.Alert.Route).ToArray());
            insert.Parameters.AddWithValue("fingerprints", unique.Select(i => i.Alert.Fingerprint).ToArray());
            insert.Parameters.AddWithValue("starts", unique.Select(i => i.Alert.StartsAt.UtcTicks).ToArray());
            insert.Parameters.AddWithValue("resolved", unique.Select(i => i.Alert.IsResolved).ToArray());
            insert.Parameters.AddWithValue("locks", unique.Select(i => AlertLock(i.Alert.Route, i.Alert.Fingerprint)).ToArray());
            insert.Parameters.AddWithValue("alerts", unique.Select(i => i.AlertJson).ToArray());
            insert.Parameters.Add(new NpgsqlParameter("traces", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = unique.Select(i => i.TraceParent).ToArray() });
            insert.Parameters.AddWithValue("channel", Channel);
            batch.BatchCommands.Add(insert);
            int inserted;
            await using (var reader = await batch.ExecuteReaderAsync())
            {
                await reader.NextResultAsync();
                await reader.ReadAsync();
                inserted = reader.GetInt32(0);
                // The implicit transaction commits once the batch's results are read to the end.
                while (await reader.NextResultAsync()) { }
            }
            return new EnqueueResult(inserted, items.Count - inserted);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            // The intake answers 503 and Alertmanager retries: nothing was acknowledged that is not committed.
            throw Unavailable(ex);
        }
    }

    /// <summary>The channel of "new items committed"; its payload is how many.</summary>
    const string Channel = "crashloop_webhook_inbox";

    /// <summary>
    /// Rings <paramref name="doorbell"/> for each notification on <see cref="Channel"/>, on a connection of its own,
    /// for the life of the store. After a broken connection (the database restarted) it rings once more, since items
    /// may have come while nobody listened, and listens again; the workers' poll covers the gap meanwhile.
    /// </summary>
    async Task ListenAsync(InboxDoorbell doorbell, TaskCompletionSource listening, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(_ownerConnectionString);
                // One worker per notification, whatever the count: the claims wake more while they get their fill
                // (ClaimRoundsAsync). Every replica hears every notification, so waking as many workers as items
                // sent all of their workers claiming at once, most for nothing.
                connection.Notification += (_, _) => doorbell.Ring();
                await connection.OpenAsync(stopping);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                    await listen.ExecuteNonQueryAsync(stopping);
                listening.TrySetResult();
                while (true) await connection.WaitAsync(stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (IsUnavailable(ex))
            {
                // The start goes on without it (the workers poll); the next round listens again.
                listening.TrySetResult();
                doorbell.Ring();
                try { await Task.Delay(TimeSpan.FromSeconds(1), stopping); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    /// <summary>The advisory lock of an alert (route + fingerprint): the first 4 bytes of its hash, in 0..AlertLocks-1.</summary>
    internal static int AlertLock(string route, string fingerprint)
    {
        Span<byte> hash = stackalloc byte[16];
        InboxKey.Hash128(AlertOrder.AlertOf(route, fingerprint), hash);
        return (int)(BinaryPrimitives.ReadUInt32BigEndian(hash) % AlertLocks);
    }

    long Now() => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The database is down, unreachable or restarting, as opposed to a mistake in a query.</summary>
    static bool IsUnavailable(Exception ex) => ex switch
    {
        InboxUnavailableException => true,
        PostgresException pg => pg.IsTransient || pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState is "57P01" or "57P02" or "57P03" or "25006",
        NpgsqlException => true, // raised by the client: connection refused, broken, timed out
        SocketException or TimeoutException or IOException => true,
        _ => false,
    };

    static InboxUnavailableException Unavailable(Exception ex) => ex as InboxUnavailableException
        ?? new InboxUnavailableException($"the PostgreSQL inbox is unavailable: {ex.Message}", ex);

    int _disposed;

    /// <summary>Idempotent: the host's inbox startup and the service container both dispose it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _stopping.CancelAsync();
        if (_listener is not null) await _listener;
        // A claim round under way (a refill of the items kept ahead, most likely) ends first: its claim is cancelled
        // or commits, and what it kept is in the queue below, not left leased to this stopping replica.
        await Volatile.Read(ref _claimRound);
        // Items claimed ahead that no worker took go back to the queue now, not when the others find them ownerless.
        var kept = new List<InboxItem>();
        while (_ahead.TryDequeue(out var ahead)) kept.Add(ahead.Item);
        if (kept.Count > 0 && _initialized) await ReleaseAsync(kept);
        if (_ownerConnection is { } owner)
        {
            // Released before closing, so a store opened right after (a restart) finds this one's claims ownerless:
            // the server ends the closed session's locks only when it notices, a moment later.
            try
            {
                await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", owner);
                await command.ExecuteNonQueryAsync();
            }
            catch (Exception ex) when (IsUnavailable(ex))
            {
                // The session is gone, and its locks with it.
            }
            await owner.DisposeAsync();
        }
        await _dataSource.DisposeAsync();
        await _claimsDataSource.DisposeAsync();
        await _completionsDataSource.DisposeAsync();
    }
}
