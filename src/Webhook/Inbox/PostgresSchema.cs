using Npgsql;

namespace Webhook.Inbox;

/// <summary>
/// The PostgreSQL inbox's tables as numbered migrations, applied at start under a transaction-scoped advisory lock:
/// replicas starting together take turns, and each applies only the versions not yet recorded. A migration is never
/// edited once released; a change is a new entry at the end.
/// </summary>
static class PostgresSchema
{
    /// <summary>The first key of every advisory lock the inbox takes (the second names what is locked).</summary>
    public const int LockClass = 0x1B0C_0E01;

    /// <summary>Second key of the lock held while migrating (alert locks are 0..AlertLocks-1, so no clash).</summary>
    const int MigrationLock = -1;

    static readonly string[] Migrations =
    [
        // 1: times are Unix milliseconds from the service's clock (not the server's now()), as in the SQLite store;
        // alert_lock is the per-alert advisory lock (route + fingerprint, hashed) that orders an alert's claims and
        // inserts across replicas; lease_owner is the replica holding the claim (see PostgresInbox.OwnerClass).
        """
        CREATE TABLE inbox_items(
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            key text NOT NULL UNIQUE,
            route text NOT NULL,
            fingerprint text NOT NULL,
            starts_at bigint NOT NULL,
            resolved boolean NOT NULL,
            alert_lock integer NOT NULL,
            alert text NOT NULL,
            state text NOT NULL,
            attempts integer NOT NULL DEFAULT 0,
            next_attempt_at bigint NOT NULL,
            created_at bigint NOT NULL,
            updated_at bigint NOT NULL,
            requeued_at bigint,
            last_error text,
            trace_parent text,
            lease_until bigint,
            lease_token bigint,
            lease_owner bigint);
        -- Each route's due order for claims; the open items of an alert for the order check (and the routes that
        -- have any); finished items for the purge.
        CREATE INDEX inbox_items_route_due ON inbox_items(route, next_attempt_at, id) WHERE state = 'pending';
        CREATE INDEX inbox_items_leased ON inbox_items(lease_until) WHERE state = 'inflight';
        CREATE INDEX inbox_items_open ON inbox_items(route, fingerprint, id) WHERE state IN ('pending', 'inflight');
        CREATE INDEX inbox_items_finished ON inbox_items(state, updated_at) WHERE state NOT IN ('pending', 'inflight');
        CREATE TABLE inbox_deliveries(
            item_id bigint NOT NULL,
            destination text NOT NULL,
            delivered_at bigint NOT NULL,
            PRIMARY KEY(item_id, destination));
        """,
        // 2: the Slack Web API notifier's incidents, steps and attempts (ISlackIncidentStore), as in the SQLite file
        // but with times as Unix milliseconds of the service's clock. Incidents are found open by key or by pod, and
        // purged by age; the pods of an incident are joined on (destination, ts) like the SQLite store does.
        """
        CREATE TABLE slack_incidents(
            destination text NOT NULL,
            incident_key text NOT NULL,
            channel text NOT NULL,
            ts text NOT NULL,
            opened_at bigint NOT NULL,
            resolved_at bigint,
            message_json text NOT NULL,
            PRIMARY KEY(destination, channel, ts));
        CREATE INDEX slack_incidents_open ON slack_incidents(destination, incident_key, opened_at) WHERE resolved_at IS NULL;
        CREATE INDEX slack_incidents_ts ON slack_incidents(destination, ts);
        CREATE TABLE slack_incident_pods(
            destination text NOT NULL,
            ts text NOT NULL,
            fingerprint text NOT NULL,
            firing boolean NOT NULL,
            PRIMARY KEY(destination, ts, fingerprint));
        CREATE INDEX slack_incident_pods_fingerprint ON slack_incident_pods(destination, fingerprint);
        CREATE TABLE slack_steps(
            destination text NOT NULL,
            idempotency_key text NOT NULL,
            step text NOT NULL,
            ts text,
            done_at bigint NOT NULL,
            PRIMARY KEY(destination, idempotency_key, step));
        CREATE INDEX slack_steps_done ON slack_steps(done_at);
        CREATE TABLE slack_attempts(
            destination text NOT NULL,
            idempotency_key text NOT NULL,
            step text NOT NULL,
            attempted_at bigint NOT NULL,
            PRIMARY KEY(destination, idempotency_key, step));
        CREATE INDEX slack_attempts_at ON slack_attempts(attempted_at);
        """,
        // 3: pods held for storm digests (IStormStore). The primary key holds a pod once per destination whichever
        // replica offers it; seq orders pods added at the same instant (SQLite's rowid); owner is the replica whose
        // storm gate holds the batch in memory (its inbox owner id): only batches of a replica that is gone are
        // recovered by another.
        """
        CREATE TABLE storm_entries(
            seq bigint GENERATED ALWAYS AS IDENTITY,
            destination text NOT NULL,
            idempotency_key text NOT NULL,
            batch_id text NOT NULL,
            batch_key text NOT NULL,
            expected integer NOT NULL,
            entry_json text NOT NULL,
            added_at bigint NOT NULL,
            owner bigint NOT NULL,
            PRIMARY KEY(destination, idempotency_key));
        CREATE INDEX storm_entries_pending ON storm_entries(destination, added_at, seq);
        CREATE INDEX storm_entries_batch ON storm_entries(destination, batch_id);
        """,
        // 4: one storm across replicas. storm_batches: one open batch per destination and batch key (the partial
        // unique index) that the pods of every replica join; a replica claims it for posting (state 'posting', owner
        // its inbox owner id), and a batch whose poster is gone is claimed again. Batches held by version 3 (one per
        // replica, maybe several per key) become 'posting' by their replica: it posts them, or they are taken over
        // once it is gone. storm_entries.fingerprint: a replica finds an alert's item held in another's digest (the
        // per-alert order). storm_seen: the pods of the storm window, counted across replicas.
        """
        CREATE TABLE storm_batches(
            destination text NOT NULL,
            batch_id text NOT NULL,
            batch_key text NOT NULL,
            expected integer NOT NULL,
            pods integer NOT NULL,
            first_added bigint NOT NULL,
            last_added bigint NOT NULL,
            state text NOT NULL,
            owner bigint,
            PRIMARY KEY(destination, batch_id));
        CREATE UNIQUE INDEX storm_batches_open ON storm_batches(destination, batch_key) WHERE state = 'open';
        INSERT INTO storm_batches
            SELECT destination, batch_id, min(batch_key), max(expected), count(*), min(added_at), max(added_at), 'posting', max(owner)
            FROM storm_entries GROUP BY destination, batch_id;
        ALTER TABLE storm_entries ADD COLUMN fingerprint text;
        UPDATE storm_entries SET fingerprint = entry_json::jsonb ->> 'fingerprint';
        CREATE INDEX storm_entries_fingerprint ON storm_entries(destination, fingerprint);
        CREATE TABLE storm_seen(
            destination text NOT NULL,
            status text NOT NULL,
            idempotency_key text NOT NULL,
            seen_at bigint NOT NULL,
            PRIMARY KEY(destination, status, idempotency_key));
        """,
        // 5: the destinations' limits, shared by the replicas (PostgresDestinationLimits). delivery_pace: per chat
        // destination, the theoretical arrival time of its next post (GCRA, Unix milliseconds of the service's clock)
        // and who took the last slot (so one statement both decides and says what it decided). delivery_breakers:
        // per destination whose circuit is open, until when; trial is the replica's token of the one attempt after
        // the break. No row: closed. Unlogged: a slot is taken on every chat post, often inside a Slack conversation
        // other replicas wait for, and a WAL flush per slot lengthened it; what a crash loses (a burst's worth of
        // pace, an open circuit) is state that rebuilds itself within seconds.
        """
        CREATE UNLOGGED TABLE delivery_pace(
            key text PRIMARY KEY,
            tat double precision NOT NULL,
            taker bigint NOT NULL);
        CREATE UNLOGGED TABLE delivery_breakers(
            destination text PRIMARY KEY,
            open_until bigint NOT NULL,
            trial bigint);
        """,
        // 6: the storm window's pods by time, so the per-pod pass (StormStore.SeenAsync) finds the expired ones and
        // counts the window on a range of this index: by the primary key it read every pod of the destination, twice
        // per pod, so a storm of n pods cost n² rows.
        """
        CREATE INDEX storm_seen_window ON storm_seen(destination, status, seen_at);
        """,
        // 7: a storm's pod costs the server one call (PostgresStormStore.OfferAsync): storm_offer asks held?, notes
        // the pod in the window, counts the window only as far as the threshold, and joins the batch, in one
        // transaction (one commit); storm_offers does so for the pods of several workers of a replica at once. The
        // join locks the open batch row FOR SHARE, so the joins of every replica go
        // on together and only a claim (which updates the row) waits for them; the batch's pods and last join are
        // counted from storm_entries by whoever needs them (the claim), not kept on the row: storm_batches.pods and
        // last_added are what they were when it opened (pods 1, so a version-6 replica's join never deletes it as an
        // empty batch it opened). storm_seen is unlogged: the window rebuilds itself within StormOptions.Window, like
        // the pace of migration 5, and a pod below the threshold then costs no WAL flush. Its expired rows go in bulk
        // now and then (p_purge), not on every pod: a pod seen again after the window counts from now.
        """
        ALTER TABLE storm_seen SET UNLOGGED;
        -- p_join: only the join (IStormStore.JoinAsync: no held check, no window); p_count: the batch's pods and last
        -- join counted from its entries (a batch of a group, which is complete at its size; a window batch's are 0
        -- and the pod's time, and its claim counts them).
        CREATE FUNCTION storm_offer(p_d text, p_status text, p_ikey text, p_fp text, p_now bigint, p_since bigint, p_purge boolean,
            p_local integer, p_threshold integer, p_big boolean, p_key text, p_proposed text, p_fresh text, p_expected integer,
            p_entry text, p_owner bigint, p_join boolean, p_count boolean,
            OUT o_outcome text, OUT o_held text, OUT o_batch text, OUT o_expected integer, OUT o_added boolean, OUT o_pods integer,
            OUT o_first bigint, OUT o_last bigint)
        LANGUAGE plpgsql AS $$
        DECLARE
            seen integer;
            opened boolean := false;
        BEGIN
            IF NOT p_join THEN
                IF p_fp IS NOT NULL THEN
                    SELECT e.idempotency_key INTO o_held FROM storm_entries e WHERE e.destination = p_d AND e.fingerprint = p_fp ORDER BY e.seq LIMIT 1;
                    IF FOUND THEN
                        o_outcome := 'held';
                        RETURN;
                    END IF;
                END IF;
                IF p_purge THEN
                    DELETE FROM storm_seen s WHERE s.destination = p_d AND s.status = p_status AND s.seen_at < p_since;
                END IF;
                INSERT INTO storm_seen AS s(destination, status, idempotency_key, seen_at) VALUES (p_d, p_status, p_ikey, p_now)
                ON CONFLICT (destination, status, idempotency_key) DO UPDATE SET seen_at = excluded.seen_at WHERE s.seen_at < p_since;
                IF NOT p_big AND p_local <= p_threshold THEN
                    -- Over the threshold or not is all the gate asks: the count stops there, not at the storm's size.
                    SELECT count(*)::integer INTO seen FROM (
                        SELECT 1 FROM storm_seen s WHERE s.destination = p_d AND s.status = p_status AND s.seen_at >= p_since LIMIT p_threshold + 1) w;
                    IF seen <= p_threshold THEN
                        o_outcome := 'below';
                        RETURN;
                    END IF;
                END IF;
            END IF;
            o_outcome := 'joined';
            FOR attempt IN 1..3 LOOP
                SELECT b.batch_id, b.expected, b.first_added INTO o_batch, o_expected, o_first
                FROM storm_batches b WHERE b.destination = p_d AND b.batch_key = p_key AND b.state = 'open' FOR SHARE;
                EXIT WHEN FOUND OR attempt = 3;
                -- None open: this call opens it (a proposed id used before opens under a new one), or, when another
                -- caller opens one at the same moment, waits for that and joins it.
                INSERT INTO storm_batches(destination, batch_id, batch_key, expected, pods, first_added, last_added, state)
                VALUES (p_d, CASE WHEN EXISTS (SELECT 1 FROM storm_batches o WHERE o.destination = p_d AND o.batch_id = p_proposed)
                                  THEN p_fresh ELSE p_proposed END, p_key, p_expected, 1, p_now, p_now, 'open')
                ON CONFLICT DO NOTHING;
                opened := FOUND;
            END LOOP;
            IF o_batch IS NULL THEN
                RAISE EXCEPTION 'no open storm batch for % after three tries', p_key;
            END IF;
            INSERT INTO storm_entries(destination, idempotency_key, batch_id, batch_key, expected, entry_json, added_at, owner, fingerprint)
            VALUES (p_d, p_ikey, o_batch, p_key, o_expected, p_entry, p_now, p_owner, p_fp)
            ON CONFLICT (destination, idempotency_key) DO NOTHING;
            o_added := FOUND;
            IF opened AND NOT o_added THEN
                -- Opened for a pod held elsewhere: nobody else can have seen the row yet (not committed), so it goes.
                DELETE FROM storm_batches b WHERE b.destination = p_d AND b.batch_id = o_batch;
            END IF;
            IF p_count THEN
                SELECT count(*)::integer, greatest(max(e.added_at), o_first) INTO o_pods, o_last
                FROM storm_entries e WHERE e.destination = p_d AND e.batch_id = o_batch;
            ELSE
                o_pods := 0;
                o_last := p_now;
            END IF;
        END $$;
        -- The pods of one call, in order (a pod sees what those before it did), one row each in the same order.
        CREATE FUNCTION storm_offers(p_d text, p_status text[], p_ikey text[], p_fp text[], p_now bigint[], p_since bigint[],
            p_purge boolean[], p_local integer[], p_threshold integer[], p_big boolean[], p_key text[], p_proposed text[],
            p_fresh text[], p_expected integer[], p_entry text[], p_owner bigint)
        RETURNS TABLE(r_outcome text, r_held text, r_batch text, r_expected integer, r_added boolean, r_pods integer, r_first bigint, r_last bigint)
        LANGUAGE plpgsql AS $$
        BEGIN
            FOR i IN 1 .. coalesce(cardinality(p_ikey), 0) LOOP
                RETURN QUERY SELECT o.o_outcome, o.o_held, o.o_batch, o.o_expected, o.o_added, o.o_pods, o.o_first, o.o_last
                FROM storm_offer(p_d, p_status[i], p_ikey[i], p_fp[i], p_now[i], p_since[i], p_purge[i], p_local[i], p_threshold[i],
                                 p_big[i], p_key[i], p_proposed[i], p_fresh[i], p_expected[i], p_entry[i], p_owner, false,
                                 p_expected[i] < 2147483647) o;
            END LOOP;
        END $$;
        """,
        // 8: storm_offers takes the pods of a call together when every one is of an Alertmanager group over the
        // threshold (a storm's usual case: the gate need not count the window for them): a few statements for the
        // call (held?, the window's insert, each batch key's open batch, the pods' insert, the batches' counts)
        // instead of five per pod through storm_offer, whose per-pod statements and calls were most of the server's
        // work in a storm. Same answers, one row per pod in the call's order; the batches of a call are looked up in
        // key order, so two calls that open the same keys never wait for each other in a cycle. A call with any
        // other pod, or with two pods of one alert or one key, goes pod by pod as before. Same signature and result:
        // a version-7 replica still running during a rollout calls the new body and gets the same answers.
        """
        CREATE OR REPLACE FUNCTION storm_offers(p_d text, p_status text[], p_ikey text[], p_fp text[], p_now bigint[], p_since bigint[],
            p_purge boolean[], p_local integer[], p_threshold integer[], p_big boolean[], p_key text[], p_proposed text[],
            p_fresh text[], p_expected integer[], p_entry text[], p_owner bigint)
        RETURNS TABLE(r_outcome text, r_held text, r_batch text, r_expected integer, r_added boolean, r_pods integer, r_first bigint, r_last bigint)
        LANGUAGE plpgsql AS $$
        DECLARE
            v_n integer := coalesce(cardinality(p_ikey), 0);
            v_held text[];
            v_keys text[] := '{}';
            v_batches text[] := '{}';
            v_expecteds integer[] := '{}';
            v_firsts bigint[] := '{}';
            v_opened text[] := '{}';
            v_added text[];
            v_pods integer[];
            v_lasts bigint[];
            v_key text;
            v_at integer;
            v_batch text;
            v_expected integer;
            v_first bigint;
        BEGIN
            IF v_n = 0 THEN
                RETURN;
            END IF;
            IF v_n = 1 OR false = ANY(p_big)
               OR (SELECT count(DISTINCT x.fp) <> count(x.fp) FROM unnest(p_fp) AS x(fp))
               OR (SELECT count(DISTINCT x.ikey) <> v_n FROM unnest(p_ikey) AS x(ikey)) THEN
                FOR i IN 1 .. v_n LOOP
                    RETURN QUERY SELECT o.o_outcome, o.o_held, o.o_batch, o.o_expected, o.o_added, o.o_pods, o.o_first, o.o_last
                    FROM storm_offer(p_d, p_status[i], p_ikey[i], p_fp[i], p_now[i], p_since[i], p_purge[i], p_local[i], p_threshold[i],
                                     p_big[i], p_key[i], p_proposed[i], p_fresh[i], p_expected[i], p_entry[i], p_owner, false,
                                     p_expected[i] < 2147483647) o;
                END LOOP;
                RETURN;
            END IF;
            -- Per pod, the key of the item of its alert held in a digest already (the per-alert order), or NULL.
            SELECT array_agg(h.idempotency_key ORDER BY u.i) INTO v_held
            FROM unnest(p_fp) WITH ORDINALITY AS u(fp, i)
            LEFT JOIN LATERAL (SELECT e.idempotency_key FROM storm_entries e
                               WHERE e.destination = p_d AND e.fingerprint = u.fp ORDER BY e.seq LIMIT 1) h ON true;
            IF true = ANY(p_purge) THEN
                DELETE FROM storm_seen s USING unnest(p_status, p_since, p_purge) AS u(status, since, purge)
                WHERE u.purge AND s.destination = p_d AND s.status = u.status AND s.seen_at < u.since;
            END IF;
            -- Noted in the window for the other pods' counts (not counted for these: each one's group is over the
            -- threshold); a pod seen again after its row expired counts from now. The window is the call's one
            -- (StormOptions.Window): now - since of any pod.
            INSERT INTO storm_seen AS s(destination, status, idempotency_key, seen_at)
            SELECT p_d, u.status, u.ikey, u.at FROM unnest(p_status, p_ikey, p_now, v_held) AS u(status, ikey, at, held) WHERE u.held IS NULL
            ON CONFLICT (destination, status, idempotency_key) DO UPDATE SET seen_at = excluded.seen_at
            WHERE s.seen_at < excluded.seen_at - (p_now[1] - p_since[1]);
            FOR v_key, v_at IN SELECT u.key, min(u.i)::integer FROM unnest(p_key, v_held) WITH ORDINALITY AS u(key, held, i)
                               WHERE u.held IS NULL GROUP BY u.key ORDER BY u.key LOOP
                v_batch := NULL;
                FOR attempt IN 1..3 LOOP
                    SELECT b.batch_id, b.expected, b.first_added INTO v_batch, v_expected, v_first
                    FROM storm_batches b WHERE b.destination = p_d AND b.batch_key = v_key AND b.state = 'open' FOR SHARE;
                    EXIT WHEN FOUND OR attempt = 3;
                    -- As storm_offer: opened under the key's first pod's proposal (a fresh id if that one was used
                    -- before), or the one another caller opens at the same moment is waited for and joined.
                    INSERT INTO storm_batches(destination, batch_id, batch_key, expected, pods, first_added, last_added, state)
                    VALUES (p_d, CASE WHEN EXISTS (SELECT 1 FROM storm_batches o WHERE o.destination = p_d AND o.batch_id = p_proposed[v_at])
                                      THEN p_fresh[v_at] ELSE p_proposed[v_at] END, v_key, p_expected[v_at], 1, p_now[v_at], p_now[v_at], 'open')
                    ON CONFLICT DO NOTHING;
                    IF FOUND THEN
                        v_opened := v_opened || v_key;
                    END IF;
                END LOOP;
                IF v_batch IS NULL THEN
                    RAISE EXCEPTION 'no open storm batch for % after three tries', v_key;
                END IF;
                v_keys := v_keys || v_key;
                v_batches := v_batches || v_batch;
                v_expecteds := v_expecteds || v_expected;
                v_firsts := v_firsts || v_first;
            END LOOP;
            WITH inserted AS (
                INSERT INTO storm_entries(destination, idempotency_key, batch_id, batch_key, expected, entry_json, added_at, owner, fingerprint)
                SELECT p_d, u.ikey, b.batch_id, u.key, b.expected, u.entry, u.at, p_owner, u.fp
                FROM unnest(p_ikey, p_key, p_entry, p_now, p_fp, v_held) WITH ORDINALITY AS u(ikey, key, entry, at, fp, held, i)
                JOIN unnest(v_keys, v_batches, v_expecteds) AS b(key, batch_id, expected) ON b.key = u.key
                WHERE u.held IS NULL
                ORDER BY u.i
                ON CONFLICT (destination, idempotency_key) DO NOTHING
                RETURNING storm_entries.idempotency_key)
            SELECT coalesce(array_agg(inserted.idempotency_key), '{}') INTO v_added FROM inserted;
            -- Opened for pods held elsewhere only: nobody else can have seen the row yet (not committed), so it goes.
            IF cardinality(v_opened) > 0 THEN
                DELETE FROM storm_batches sb USING unnest(v_keys, v_batches) AS b(key, batch_id)
                WHERE b.key = ANY(v_opened) AND sb.destination = p_d AND sb.batch_id = b.batch_id
                  AND NOT EXISTS (SELECT 1 FROM unnest(p_ikey, p_key) AS u(ikey, key) WHERE u.key = b.key AND u.ikey = ANY(v_added));
            END IF;
            -- Each batch's pods and last join, once for the call (a group's batch is complete at its size), each
            -- batch on its own index range.
            SELECT array_agg(c.pods ORDER BY b.i), array_agg(c.last ORDER BY b.i) INTO v_pods, v_lasts
            FROM unnest(v_batches) WITH ORDINALITY AS b(batch_id, i)
            CROSS JOIN LATERAL (SELECT count(*)::integer AS pods, max(e.added_at) AS last
                                FROM storm_entries e WHERE e.destination = p_d AND e.batch_id = b.batch_id) c;
            RETURN QUERY
            SELECT CASE WHEN u.held IS NOT NULL THEN 'held' ELSE 'joined' END, u.held, b.batch_id, b.expected,
                   u.held IS NULL AND u.ikey = ANY(v_added), b.pods, b.first_added, greatest(b.last, b.first_added)
            FROM unnest(p_ikey, p_key, v_held) WITH ORDINALITY AS u(ikey, key, held, i)
            LEFT JOIN unnest(v_keys, v_batches, v_expecteds, v_firsts, v_pods, v_lasts) AS b(key, batch_id, expected, first_added, pods, last)
                ON u.held IS NULL AND b.key = u.key
            ORDER BY u.i;
        END $$;
        """,
    ];

    public static int Latest => Migrations.Length;

    public static async Task MigrateAsync(NpgsqlDataSource dataSource, long now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand($"""
            SELECT pg_advisory_xact_lock({LockClass}, {MigrationLock});
            CREATE TABLE IF NOT EXISTS inbox_schema(version integer PRIMARY KEY, applied_at bigint NOT NULL);
            """, connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        int applied;
        await using (var command = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM inbox_schema", connection, transaction))
            applied = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        if (applied > Latest)
            throw new InboxUnavailableException(
                $"the database's inbox schema is version {applied}, newer than this service's {Latest}: a newer release created it; roll forward, not back");
        for (var version = applied + 1; version <= Latest; version++)
        {
            await using var command = new NpgsqlCommand(
                Migrations[version - 1] + ";\nINSERT INTO inbox_schema(version, applied_at) VALUES (@version, @now);", connection, transaction);
            command.Parameters.AddWithValue("version", version);
            command.Parameters.AddWithValue("now", now);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }
}
