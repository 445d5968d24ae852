using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Npgsql;
using Webhook.Storage;

namespace Webhook.Notify.Delivery;

/// <summary>
/// The limits of all replicas in the shared PostgreSQL database (Inbox:Provider=postgres; migration 5 of the inbox's
/// schema), each decision one statement on one row, so replicas never take the same slot or both open a trial.
/// <para>Pace: a post takes its destination's slot by GCRA (the token bucket as a single time, the theoretical
/// arrival time of the next post): one <c>INSERT … ON CONFLICT DO UPDATE</c> moves it when a slot is free and says
/// whether it did. A 429 moves it past the Retry-After.</para>
/// <para>Breaker: each replica judges the outcomes of its own posts (failure ratio over the sampling window, as
/// the in-memory breaker); when they open the circuit, the break is written to the destination's row, and every
/// replica honours it. Once it is over, one attempt across the replicas claims the trial (which extends the break
/// for the others meanwhile): its success closes the circuit for all, its failure opens it again. A healthy
/// destination costs no round trip per post: a replica reads the row at most once per <see cref="Refresh"/>, so a
/// break opened elsewhere is seen within that.</para>
/// Times are the service's clock (Unix milliseconds), as in the inbox. While the database is unreachable, a post gets
/// no slot (the inbox cannot record it either) and the breaker goes by what this replica last read.
/// </summary>
public sealed partial class PostgresDestinationLimits(IPostgresDatabase database, IOptions<DeliveryResilienceOptions> options, TimeProvider time,
    ILogger<PostgresDestinationLimits> logger) : IDestinationLimits
{
    /// <summary>How stale a replica's view of a destination's shared breaker may be.</summary>
    public static readonly TimeSpan Refresh = TimeSpan.FromSeconds(1);

    /// <summary>The wait of a post that found no slot because the database did not answer.</summary>
    static readonly TimeSpan UnavailableWait = TimeSpan.FromSeconds(1);

    private readonly DeliveryResilienceOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, Breaker> _breakers = new(StringComparer.Ordinal);

    public async ValueTask<TimeSpan> TakeSlotAsync(string key, RateOptions? rate, CancellationToken cancellationToken)
    {
        var (interval, tolerance) = Gcra(rate);
        var now = Now();
        try
        {
            var dataSource = await database.ReadyAsync(cancellationToken);
            await using var command = dataSource.CreateCommand("""
                INSERT INTO delivery_pace AS p(key, tat, taker) VALUES (@key, @now + @t, @token)
                ON CONFLICT (key) DO UPDATE SET
                    tat = CASE WHEN greatest(p.tat, @now) - @now <= @tau THEN greatest(p.tat, @now) + @t ELSE p.tat END,
                    taker = CASE WHEN greatest(p.tat, @now) - @now <= @tau THEN @token ELSE p.taker END
                RETURNING p.taker = @token, p.tat
                """);
            var token = Random.Shared.NextInt64(1, long.MaxValue);
            command.Parameters.AddWithValue("key", key);
            command.Parameters.AddWithValue("now", (double)now);
            command.Parameters.AddWithValue("t", interval);
            command.Parameters.AddWithValue("tau", tolerance);
            command.Parameters.AddWithValue("token", token);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            if (reader.GetBoolean(0)) return TimeSpan.Zero;
            // The first moment a slot is free: the arrival time less the burst's tolerance.
            return TimeSpan.FromMilliseconds(Math.Max(1, reader.GetDouble(1) - tolerance - now));
        }
        catch (Exception ex) when (IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
        {
            LogUnavailable(logger, ex.GetType().Name);
            return UnavailableWait;
        }
    }

    public async ValueTask PauseAsync(string key, RateOptions? rate, TimeSpan wait, CancellationToken cancellationToken)
    {
        // The first slot after the pause is one interval after it, and no burst: the arrival time such that
        // "arrival - tolerance" is that moment.
        var (interval, tolerance) = Gcra(rate);
        var next = Now() + wait.TotalMilliseconds + interval + tolerance;
        try
        {
            var dataSource = await database.ReadyAsync(cancellationToken);
            await using var command = dataSource.CreateCommand("""
                INSERT INTO delivery_pace AS p(key, tat, taker) VALUES (@key, @next, 0)
                ON CONFLICT (key) DO UPDATE SET tat = greatest(p.tat, excluded.tat)
                """);
            command.Parameters.AddWithValue("key", key);
            command.Parameters.AddWithValue("next", next);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (Exception ex) when (IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
        {
            // The chat says 429 again to the next post, which pauses it then.
            LogUnavailable(logger, ex.GetType().Name);
        }
    }

    /// <summary>Emission interval and burst tolerance in milliseconds; no rate: neither (only a pause holds posts back).</summary>
    static (double Interval, double Tolerance) Gcra(RateOptions? rate) =>
        rate is null ? (0, 0) : (1000 / rate.PerSecond, (rate.Burst - 1) * 1000 / rate.PerSecond);

    public async Task<DeliveryOutcome> UnderBreakerAsync(string destinationId, Func<CancellationToken, Task<DeliveryOutcome>> attempt,
        CancellationToken cancellationToken)
    {
        var breaker = _breakers.GetOrAdd(destinationId, _ => new Breaker());
        var now = Now();
        long? openUntil;
        bool stale;
        lock (breaker)
        {
            openUntil = breaker.OpenUntil;
            stale = breaker.ReadAt == long.MinValue || now - breaker.ReadAt >= Refresh.TotalMilliseconds || openUntil <= now;
        }
        if (stale && await ReadOpenUntilAsync(destinationId, cancellationToken) is var (read, ok) && ok)
        {
            openUntil = read;
            lock (breaker) (breaker.OpenUntil, breaker.ReadAt) = (read, now);
        }

        long? trial = null;
        if (openUntil is { } until)
        {
            if (now < until) return Open(until - now);
            // The break is over: one attempt of all replicas tries the destination; the others wait for its answer.
            trial = Random.Shared.NextInt64(1, long.MaxValue);
            if (!await ClaimTrialAsync(destinationId, now, trial.Value, cancellationToken))
            {
                lock (breaker) breaker.ReadAt = long.MinValue;
                return Open(Refresh.TotalMilliseconds);
            }
        }

        var outcome = await attempt(cancellationToken);
        var after = Now();
        if (trial is { } token)
        {
            long? next = DeliveryReasons.WasNotSent(outcome) ? now // nothing learned: the next attempt is the trial
                : DeliveryReasons.IsUnhealthy(outcome) ? after + (long)_options.BreakDuration.TotalMilliseconds
                : null;
            await EndTrialAsync(destinationId, token, next);
            lock (breaker)
            {
                (breaker.OpenUntil, breaker.ReadAt) = (next, after);
                if (next is null) breaker.Reset(after);
            }
            return outcome;
        }

        if (DeliveryReasons.WasNotSent(outcome) || DeliveryReasons.IsThrottled(outcome)) return outcome;
        bool opens;
        lock (breaker) opens = breaker.Count(DeliveryReasons.IsUnhealthy(outcome), after, _options);
        if (opens)
        {
            var breakUntil = after + (long)_options.BreakDuration.TotalMilliseconds;
            lock (breaker) (breaker.OpenUntil, breaker.ReadAt) = (breakUntil, after);
            await OpenAsync(destinationId, breakUntil);
        }
        return outcome;
    }

    DeliveryOutcome.Retryable Open(double milliseconds) =>
        new(DeliveryReasons.CircuitOpen, TimeSpan.FromMilliseconds(Math.Max(1, milliseconds)));

    async Task<(long? OpenUntil, bool Ok)> ReadOpenUntilAsync(string destination, CancellationToken cancellationToken)
    {
        try
        {
            var dataSource = await database.ReadyAsync(cancellationToken);
            await using var command = dataSource.CreateCommand("SELECT open_until FROM delivery_breakers WHERE destination = @d");
            command.Parameters.AddWithValue("d", destination);
            return (await command.ExecuteScalarAsync(cancellationToken) is long until ? until : null, true);
        }
        catch (Exception ex) when (IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
        {
            LogUnavailable(logger, ex.GetType().Name);
            return (null, false);
        }
    }

    /// <summary>Takes the trial when the break is over and nobody took it: the break moves on meanwhile, so the others wait.</summary>
    async Task<bool> ClaimTrialAsync(string destination, long now, long token, CancellationToken cancellationToken)
    {
        try
        {
            var dataSource = await database.ReadyAsync(cancellationToken);
            await using var command = dataSource.CreateCommand("""
                UPDATE delivery_breakers SET open_until = @until, trial = @token WHERE destination = @d AND open_until <= @now
                """);
            command.Parameters.AddWithValue("d", destination);
            command.Parameters.AddWithValue("now", now);
            command.Parameters.AddWithValue("until", now + (long)_options.BreakDuration.TotalMilliseconds);
            command.Parameters.AddWithValue("token", token);
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        }
        catch (Exception ex) when (IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
        {
            // This replica's own view then: the break is over.
            LogUnavailable(logger, ex.GetType().Name);
            return true;
        }
    }

    /// <summary>The trial's answer: closed (no row), or open until <paramref name="openUntil"/>. Only the trial's own
    /// row: a break another replica opened since stays.</summary>
    async Task EndTrialAsync(string destination, long token, long? openUntil)
    {
        try
        {
            var dataSource = await database.ReadyAsync(CancellationToken.None);
            await using var command = dataSource.CreateCommand(openUntil is null
                ? "DELETE FROM delivery_breakers WHERE destination = @d AND trial = @token"
                : "UPDATE delivery_breakers SET open_until = @until, trial = NULL WHERE destination = @d AND trial = @token");
            command.Parameters.AddWithValue("d", destination);
            command.Parameters.AddWithValue("token", token);
            if (openUntil is { } until) command.Parameters.AddWithValue("until", until);
            await command.ExecuteNonQueryAsync();
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            // The claimed break ends by itself, and the next attempt after it is the trial.
            LogUnavailable(logger, ex.GetType().Name);
        }
    }

    /// <summary>This replica's posts opened the circuit: every replica leaves the destination alone until then.</summary>
    async Task OpenAsync(string destination, long openUntil)
    {
        try
        {
            var dataSource = await database.ReadyAsync(CancellationToken.None);
            await using var command = dataSource.CreateCommand("""
                INSERT INTO delivery_breakers AS b(destination, open_until) VALUES (@d, @until)
                ON CONFLICT (destination) DO UPDATE SET open_until = greatest(b.open_until, excluded.open_until), trial = NULL
                """);
            command.Parameters.AddWithValue("d", destination);
            command.Parameters.AddWithValue("until", openUntil);
            await command.ExecuteNonQueryAsync();
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            // This replica keeps its own break (its cached view) all the same.
            LogUnavailable(logger, ex.GetType().Name);
        }
    }

    long Now() => time.GetUtcNow().ToUnixTimeMilliseconds();

    static bool IsUnavailable(Exception ex) => ex is System.Data.Common.DbException or global::Webhook.Inbox.InboxUnavailableException
        or System.Net.Sockets.SocketException or TimeoutException or IOException;

    /// <summary>This replica's view of one destination's breaker, and its own outcomes in the sampling window.</summary>
    private sealed class Breaker
    {
        public long? OpenUntil;
        public long ReadAt = long.MinValue;
        private long _windowStart = long.MinValue;
        private int _failures, _total;

        public void Reset(long now) => (_windowStart, _failures, _total) = (now, 0, 0);

        /// <summary>Counts one sent post; true when it opens the circuit (the window starts over then).</summary>
        public bool Count(bool failed, long now, DeliveryResilienceOptions o)
        {
            if (_windowStart == long.MinValue || now - _windowStart >= o.SamplingDuration.TotalMilliseconds) Reset(now);
            _total++;
            if (failed) _failures++;
            if (!failed || _total < o.MinimumThroughput || (double)_failures / _total < o.FailureRatio) return false;
            Reset(now);
            return true;
        }
    }

    [LoggerMessage(EventId = 340, Level = LogLevel.Warning, Message = "Delivery limits: the database did not answer ({Error}); posts wait for it")]
    private static partial void LogUnavailable(ILogger logger, string error);
}
