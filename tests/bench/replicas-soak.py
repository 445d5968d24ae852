#!/usr/bin/env python3
"""Replica failure soak (driven by tests/bench/replicas-soak.sh): three published service processes on one throwaway
PostgreSQL, a steady stream of alerts (each pod fires, then resolves) posted round-robin like Alertmanager, one replica
SIGKILLed and restarted every KILL_EVERY seconds, and PostgreSQL itself restarted (stop -m immediate, a crash) once in
the middle. Then it waits for the shared inbox to drain and counts what reached the two destinations of the route: a
generic webhook receiver (each request with its Idempotency-Key) and a Slack Web API stand-in (chat.postMessage with
the service's idempotency key in metadata.event_payload, chat.update, and the conversations.history/.replies
lookups the service makes after a crash).

PostgreSQL is Debian's, as in tests/bench/inbox-stores.py: initdb into the work folder, run as the postgres user
(setpriv) on a free loopback port, stopped at the end. Everything started here is stopped in a finally block.
    usage: replicas-soak.py <published app folder> <work folder>   (settings in the environment, see the shell script)
Prints the figures as JSON on stdout; the shell script writes the report."""
import glob, hashlib, json, os, random, re, shutil, signal, socket, subprocess, sys, threading, time, urllib.error, urllib.request
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs

APP, WORK = (None, sys.argv[2]) if sys.argv[1] == "--report" else (sys.argv[1], sys.argv[2])
DURATION = float(os.environ.get("DURATION", "120"))
RATE = float(os.environ.get("RATE", "1"))            # pods starting per second
HOLD = float(os.environ.get("HOLD", "30"))           # seconds from a pod's firing to its resolve (longer than the ~15 s
# a killed replica's claims take to go back: its items in flight are retried, not superseded by their resolve)
KILL_EVERY = float(os.environ.get("KILL_EVERY", "10"))
DB_DOWN = float(os.environ.get("DB_DOWN", "10"))     # seconds PostgreSQL stays down
HA_SHARE = float(os.environ.get("HA_SHARE", "0.3"))  # share of alerts also posted to a second replica
THRESHOLD = int(os.environ.get("THRESHOLD", "10"))   # Storm:Threshold, as shipped
# Storm:Window: the steady stream's 1 pod a second would itself be a window storm at the shipped 2 minutes (its pods
# in window digests instead of their own messages); at 3 s it is one only when a burst of its retries comes together.
WINDOW = os.environ.get("WINDOW", "00:00:03")
# Storm phases, "seconds:pods+pods,..." (one Alertmanager group per number, posted at once to route "storm", which
# has its own Slack channel and webhook path: its digests are counted apart from the steady stream's). By default a
# second and a half before the second kill, one second before PostgreSQL's crash, and before the ninth kill.
DRAIN_LIMIT = float(os.environ.get("DRAIN_LIMIT", "600"))
REPLICAS = 3
TOKEN, BOT, CHANNEL, STORM_CHANNEL = "bench-token", "xoxb-bench-token", "C0SOAK0001", "C0STORM001"


def storm_phases():
    spec = os.environ.get("STORMS") or (f"{2 * KILL_EVERY - 1.5}:80+60,{DURATION / 2 - DB_DOWN / 2 - 1.0}:150,"
                                        f"{9 * KILL_EVERY - 1.5}:100")
    phases = []
    for n, part in enumerate(p for p in spec.split(",") if p.strip()):
        at, sizes = part.split(":")
        phases.append((float(at), [(f"s{n + 1}{chr(97 + g)}", int(size)) for g, size in enumerate(sizes.split("+"))]))
    return phases


STORMS = storm_phases()
random.seed(15)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # run the finally blocks when the shell script is stopped

T0 = time.monotonic()
lock = threading.Lock()


def now():
    return time.monotonic() - T0


def log(message):
    print(f"[{now():6.1f}s] {message}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the destinations ---------------------------------------------------------------------------------------------

hooks = []  # (t, fingerprint, status, idempotency key, path)


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        time.sleep(random.uniform(0.05, 0.3))  # a real endpoint takes a moment: a kill can land mid-post
        with lock:
            hooks.append((now(), body.get("fingerprint"), body.get("status"), self.headers.get("Idempotency-Key"), self.path))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


slack_posts, slack_updates, slack_lookups = [], [], []  # posts: (t, ts, thread_ts, key, channel, texts); updates: (t, ts)
next_ts = [1_800_000_000.0]


class Slack(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_):
        pass

    def answer(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # conversations.history / conversations.replies: what the service looks up after a crash
        url = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        method = url.path.rsplit("/", 1)[-1]
        with lock:
            slack_lookups.append((now(), method))
            oldest = float(q.get("oldest", "0"))
            if method == "conversations.history":
                rows = [p for p in slack_posts if p[2] is None and p[4] == q.get("channel", p[4])]
            else:
                rows = [p for p in slack_posts if p[2] == q.get("ts") or p[1] == q.get("ts")]
            messages = [{"ts": p[1], "metadata": {"event_type": "crashloop_webhook_post", "event_payload": {"idempotency_key": p[3]}}}
                        for p in reversed(rows) if float(p[1]) >= oldest]
        return self.answer({"ok": True, "messages": messages, "has_more": False, "response_metadata": {"next_cursor": ""}})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        method = urlparse(self.path).path.rsplit("/", 1)[-1]
        if self.headers.get("Authorization") != f"Bearer {BOT}":
            return self.answer({"ok": False, "error": "invalid_auth"})
        time.sleep(random.uniform(0.05, 0.3))  # taken, and the answer is on its way: a kill here is the hard case
        with lock:
            if method == "chat.postMessage":
                next_ts[0] += 0.0001
                ts = f"{next_ts[0] + time.time() - 1_800_000_000:.6f}"
                key = ((body.get("metadata") or {}).get("event_payload") or {}).get("idempotency_key")
                slack_posts.append((now(), ts, body.get("thread_ts"), key, body.get("channel"), texts_of(body.get("blocks"))))
                return self.answer({"ok": True, "channel": body.get("channel", CHANNEL), "ts": ts})
            if method == "chat.update":
                slack_updates.append((now(), body.get("ts")))
                return self.answer({"ok": True, "channel": body.get("channel", CHANNEL), "ts": body.get("ts")})
        return self.answer({"ok": False, "error": "unknown_method"})


def texts_of(node):
    """Every "text" string of a Block Kit message, in order: a digest's headline, a more-pods reply's pod names."""
    if isinstance(node, dict):
        return ([node["text"]] if isinstance(node.get("text"), str) else []) + [t for v in node.values() if not isinstance(v, str) for t in texts_of(v)]
    if isinstance(node, list):
        return [t for v in node for t in texts_of(v)]
    return []


def serve(handler):
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# --- PostgreSQL and the replicas ----------------------------------------------------------------------------------

def as_postgres(args):
    return (["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"] if os.geteuid() == 0 else []) + args


class Postgres:
    def __init__(self):
        self.bin = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]
        self.dir = os.path.join(WORK, "pg")
        os.mkdir(self.dir, 0o700)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            os.chmod(WORK, 0o755)
        self.port = free_port()
        subprocess.run(as_postgres([f"{self.bin}/initdb", "-D", f"{self.dir}/data", "-U", "postgres", "--auth=trust", "--no-locale", "--no-sync"]),
                       check=True, stdout=subprocess.DEVNULL, cwd="/")
        self.running = False
        self.start()
        self.psql("CREATE DATABASE soak", "postgres")
        self.connection_string = f"Host=127.0.0.1;Port={self.port};Username=postgres;Database=soak;Maximum Pool Size=25;Timeout=5"

    def start(self):
        subprocess.run(as_postgres([f"{self.bin}/pg_ctl", "-D", f"{self.dir}/data", "-l", f"{self.dir}/log", "-w", "start", "-o",
                                    f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.dir}"]),
                       check=True, stdout=subprocess.DEVNULL, cwd="/")
        self.running = True

    def stop(self, mode="fast"):
        if self.running:
            subprocess.run(as_postgres([f"{self.bin}/pg_ctl", "-D", f"{self.dir}/data", "-m", mode, "-w", "stop"]), stdout=subprocess.DEVNULL, cwd="/")
            self.running = False

    def psql(self, sql, database="soak"):
        return subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database, "-AtF", "\t", "-c", sql],
                              check=True, capture_output=True, text=True).stdout


class Replica:
    def __init__(self, index, settings):
        self.index, self.port, self.settings = index, free_port(), settings
        self.url = f"http://127.0.0.1:{self.port}"
        self.folder = os.path.join(WORK, f"replica-{index}")
        os.makedirs(self.folder, exist_ok=True)
        self.process, self.starts = None, 0
        self.start()

    def start(self):
        env = dict(os.environ, ASPNETCORE_URLS=self.url, Inbox__Path=os.path.join(self.folder, "inbox.db"), **self.settings)
        env.pop("KUBECONFIG", None)
        self.starts += 1
        out = open(os.path.join(self.folder, "service.log"), "a")
        out.write(f"=== start {self.starts} at {now():.1f}s\n")
        out.flush()
        self.process = subprocess.Popen(["dotnet", os.path.join(APP, "Webhook.dll")], env=env, stdout=out, stderr=out, cwd=self.folder)
        out.close()

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def ready(self):
        try:
            with urllib.request.urlopen(f"{self.url}/readyz", timeout=2) as answer:
                return answer.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            return False

    def wait_ready(self, limit=90):
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.ready():
                return True
            time.sleep(0.1)
        return False


# --- the alert stream ---------------------------------------------------------------------------------------------

answers = []     # (t sent, t answered, replica, status code or "error")
acked = {}       # (fingerprint, status) -> first acknowledgement time
ha_posts = 0     # alerts also posted to a second replica
not_acked = []
rr = [0]
db_window = [None, None, None]  # PostgreSQL down: [stopped, about to start, answering again]
storm_acked = {}  # group -> first acknowledgement time of its post
storm_posted = {}  # group -> time its post was sent
storm_snapshots = []  # (t, pods held for route storm's digests, "state:pods" per batch) while a phase is on


def iso(t):
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def body(pod, starts_at, status, ends_at=None):
    alert = {"status": status, "labels": {"alertname": "KubePodCrashLooping", "namespace": "shop", "pod": pod, "container": "app", "severity": "warning"},
             "annotations": {"summary": "Pod is crash looping."}, "startsAt": iso(starts_at),
             "endsAt": iso(ends_at) if ends_at else "0001-01-01T00:00:00Z", "generatorURL": "http://prometheus.local/graph", "fingerprint": "fp-" + pod}
    return json.dumps({"version": "4", "groupKey": '{}:{alertname="KubePodCrashLooping"}', "truncatedAlerts": 0, "status": status,
                       "receiver": "crashloop", "groupLabels": {"alertname": "KubePodCrashLooping"}, "commonLabels": {},
                       "commonAnnotations": {}, "externalURL": "http://alertmanager.local:9093", "alerts": [alert]}).encode()


def group_body(group, size, starts_at):
    """One Alertmanager group of `size` pods, all firing, in one post: GroupSize is `size`, over the threshold."""
    alerts = [{"status": "firing", "labels": {"alertname": "KubePodCrashLooping", "namespace": "batch", "pod": f"{group}-p{i:03d}", "container": "app",
                                              "severity": "warning", "job": group},
               "annotations": {"summary": "Pod is crash looping."}, "startsAt": iso(starts_at), "endsAt": "0001-01-01T00:00:00Z",
               "generatorURL": "http://prometheus.local/graph", "fingerprint": f"fp-{group}-p{i:03d}"} for i in range(size)]
    return json.dumps({"version": "4", "groupKey": '{}/{namespace="batch"}:{alertname="KubePodCrashLooping", job="' + group + '"}',
                       "truncatedAlerts": 0, "status": "firing", "receiver": "crashloop-storm",
                       "groupLabels": {"alertname": "KubePodCrashLooping", "job": group}, "commonLabels": {"namespace": "batch", "job": group},
                       "commonAnnotations": {}, "externalURL": "http://alertmanager.local:9093", "alerts": alerts}).encode()


def storm_group(replicas, group, size, give_up_at):
    """The group as Alertmanager sends it: one post (retried at the next replica on a non-2xx), and the HA pair's
    second Alertmanager posts the same group to another replica."""
    data = group_body(group, size, time.time())
    with lock:
        target = rr[0] % REPLICAS
        rr[0] += 1
    storm_posted[group] = now()
    backoff = 0.2
    while now() < give_up_at:
        if attempt(replicas[target], data, "/alerts/storm"):
            with lock:
                storm_acked.setdefault(group, now())
            attempt(replicas[(target + 1) % REPLICAS], data, "/alerts/storm")
            return
        target = (target + 1) % REPLICAS
        time.sleep(backoff)
        backoff = min(backoff * 1.5, 2.0)


def watch_storm(postgres, until):
    """What the shared store holds for route storm's digests, every 0.25 s (the database's view when a kill or the
    crash lands: pods joined so far, batches open or being posted)."""
    sql = ("SELECT (SELECT count(*) FROM storm_entries WHERE destination = 'storm/slack'), "
           "(SELECT string_agg(state || ' ' || n, ', ' ORDER BY first_added) FROM (SELECT b.state, b.first_added, count(e.batch_id) AS n "
           "FROM storm_batches b LEFT JOIN storm_entries e ON e.destination = b.destination AND e.batch_id = b.batch_id "
           "WHERE b.destination = 'storm/slack' GROUP BY b.batch_id, b.state, b.first_added) x)")
    while now() < until:
        t = now()
        try:
            held, batches = postgres.psql(sql).rstrip("\n").split("\t")  # "0\t" when the store is empty
            storm_snapshots.append((round(t, 2), int(held), batches or "none"))
        except (subprocess.CalledProcessError, ValueError):
            storm_snapshots.append((round(t, 2), None, "database down"))
        time.sleep(0.25)


def attempt(replica, data, path="/alerts"):
    sent = now()
    request = urllib.request.Request(f"{replica.url}{path}", data, {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            code = answer.status
    except urllib.error.HTTPError as e:
        code = e.code
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        code = "error"
    with lock:
        answers.append((sent, now(), replica.index, code))
    return isinstance(code, int) and 200 <= code < 300


def deliver(replicas, pod, status, data, give_up_at):
    """As Alertmanager: a replica behind the Service, round-robin; a non-2xx or no answer is sent again (to the next
    one), with a short backoff. Sometimes the HA pair's second Alertmanager posts the same alert to another replica."""
    global ha_posts
    with lock:
        target = rr[0] % REPLICAS
        rr[0] += 1
    backoff = 0.2
    while now() < give_up_at:
        if attempt(replicas[target], data):
            with lock:
                acked.setdefault(("fp-" + pod, status), now())
            if random.random() < HA_SHARE:
                with lock:
                    ha_posts += 1
                attempt(replicas[(target + 1) % REPLICAS], data)
            return
        target = (target + 1) % REPLICAS
        time.sleep(backoff)
        backoff = min(backoff * 1.5, 2.0)
    with lock:
        not_acked.append(f"{pod} {status}")


def pod_life(replicas, i, give_up_at):
    pod = f"p{i:04d}"
    starts = time.time()
    deliver(replicas, pod, "firing", body(pod, starts, "firing"), give_up_at)
    time.sleep(max(0.0, HOLD - (time.time() - starts)))
    deliver(replicas, pod, "resolved", body(pod, starts, "resolved", time.time()), give_up_at)


# --- the run ------------------------------------------------------------------------------------------------------

def main():
    receiver, slack = serve(Receiver), serve(Slack)
    postgres, replicas = None, []
    kills, recovery, readyz_down = [], {}, {}
    try:
        postgres = Postgres()
        settings = {"Inbox__Provider": "postgres", "Inbox__ConnectionString": postgres.connection_string, "Auth__BearerToken": TOKEN,
                    "Kubernetes__Enabled": "false", "Logging__LogLevel__Default": "Warning",
                    "Routes__default__Webhook__Url": f"http://127.0.0.1:{receiver.server_port}/hook",
                    "Routes__default__Slack__BotToken": BOT, "Routes__default__Slack__Channel": CHANNEL,
                    "Routes__default__Slack__ApiBaseUrl": f"http://127.0.0.1:{slack.server_port}/api/",
                    # The steady stream is about kills, not storms or the chat's pace: a Slack pace above its rate,
                    # and a storm window it stays below (see WINDOW); the storm phases' groups are over the threshold.
                    "Storm__Threshold": str(THRESHOLD), "Storm__Window": WINDOW,
                    "Delivery__Rates__slack__PerSecond": "10", "Delivery__Rates__slack__Burst": "10",
                    # The storm phases' route: its own webhook path and Slack channel, so its own storm gate (per
                    # destination: the steady stream's window count is not the storms').
                    "Routes__storm__Webhook__Url": f"http://127.0.0.1:{receiver.server_port}/storm",
                    "Routes__storm__Slack__BotToken": BOT, "Routes__storm__Slack__Channel": STORM_CHANNEL,
                    "Routes__storm__Slack__ApiBaseUrl": f"http://127.0.0.1:{slack.server_port}/api/"}
        replicas = [Replica(r, settings) for r in range(REPLICAS)]
        if not all(r.wait_ready() for r in replicas):
            raise RuntimeError("a replica did not get ready")
        log("3 replicas ready")
        global T0
        T0 = time.monotonic()

        pods = int(DURATION * RATE)
        give_up_at = DURATION + DRAIN_LIMIT
        threads = []
        next_kill, victim, db_restarted = KILL_EVERY, 0, False
        db_at = DURATION / 2 - DB_DOWN / 2
        storms = list(STORMS)

        def storm_due():
            while storms and now() >= storms[0][0]:
                _, groups = storms.pop(0)
                for group, size in groups:
                    t = threading.Thread(target=storm_group, args=(replicas, group, size, give_up_at), daemon=True)
                    t.start()
                    threads.append(t)
                log(f"storm phase: {', '.join(f'{g} ({n} pods)' for g, n in groups)}")
                threading.Thread(target=watch_storm, args=(postgres, now() + 40), daemon=True).start()

        for i in range(pods):
            while now() < i / RATE:
                storm_due()
                if now() >= next_kill and next_kill < DURATION:
                    r = replicas[victim % REPLICAS]
                    r.kill()
                    kills.append((round(now(), 1), r.index))
                    r.start()  # its replacement, at once (the Deployment's); ready when it is
                    log(f"killed and restarted replica {r.index}")
                    victim += 1
                    next_kill += KILL_EVERY
                if not db_restarted and now() >= db_at:
                    db_restarted = True
                    threading.Thread(target=restart_db, args=(postgres, replicas, recovery, readyz_down), daemon=True).start()
                time.sleep(0.02)
            t = threading.Thread(target=pod_life, args=(replicas, i, give_up_at), daemon=True)
            t.start()
            threads.append(t)
        while now() < DURATION:  # the kills of the last seconds
            storm_due()
            if now() >= next_kill:
                r = replicas[victim % REPLICAS]
                r.kill()
                kills.append((round(now(), 1), r.index))
                r.start()
                victim += 1
                next_kill += KILL_EVERY
            time.sleep(0.05)
        for t in threads:
            t.join()
        stream_end = now()
        log(f"stream done: {len(acked)} acknowledged, {len(not_acked)} not")

        # Drained: every replica ready, nothing pending or in flight in the shared inbox.
        for r in replicas:
            r.wait_ready()
        while now() < give_up_at:
            # ...and no digest held (its pods count as delivered in the inbox before it is posted).
            open_items = int(postgres.psql("SELECT (SELECT count(*) FROM inbox_items WHERE state IN ('pending', 'inflight')) "
                                           "+ (SELECT count(*) FROM storm_batches)").strip())
            if open_items == 0:
                break
            time.sleep(1)
        drained = now()
        time.sleep(2)  # a post answered just now is recorded
        with urllib.request.urlopen(f"{replicas[0].url}/status", timeout=10) as answer:
            status = json.load(answer)["inbox"]
        items = [line.split("\t") for line in postgres.psql("SELECT key, fingerprint, resolved, state FROM inbox_items").splitlines() if line]
        deliveries = postgres.psql("SELECT count(*) FROM inbox_deliveries").strip()
        # What the report is made of, kept in the work folder (SOAK_KEEP=1): `replicas-soak.py --report <work folder>`
        # makes the report again from it without a run.
        with open(os.path.join(WORK, "raw.json"), "w") as f:
            json.dump({"hooks": hooks, "slack_posts": slack_posts, "slack_updates": slack_updates, "slack_lookups": slack_lookups,
                       "answers": answers, "acked": [[k, v] for k, v in acked.items()], "not_acked": not_acked, "ha_posts": ha_posts,
                       "db_window": db_window, "storm_acked": storm_acked, "storm_posted": storm_posted, "storm_snapshots": storm_snapshots,
                       "args": [items, status, kills, recovery, readyz_down, stream_end, drained, deliveries],
                       "replica_starts": [r.starts for r in replicas]}, f)
        return report(items, status, kills, recovery, readyz_down, stream_end, drained, deliveries, replicas)
    finally:
        for r in replicas:
            r.stop()
        if postgres:
            postgres.stop()
        receiver.shutdown()
        slack.shutdown()


def restart_db(postgres, replicas, recovery, readyz_down):
    pids = [r.process.pid for r in replicas]
    postgres.stop("immediate")  # a crash: connections cut, recovery from the WAL at the next start
    db_window[0] = now()
    log("PostgreSQL stopped")
    while now() < db_window[0] + DB_DOWN:
        for r in replicas:
            readyz_down.setdefault(r.index, {})
            code = "200" if r.ready() else "not 200"
            readyz_down[r.index][code] = readyz_down[r.index].get(code, 0) + 1
        time.sleep(0.5)
    db_window[1] = now()
    postgres.start()
    started = db_window[2] = now()
    log("PostgreSQL started")
    pending = {r.index for r in replicas}
    while pending and now() < started + 120:
        for r in replicas:
            if r.index in pending and r.ready():
                pending.discard(r.index)
                recovery[r.index] = {"ready_after_s": round(now() - started, 1), "same_process": r.process.pid == pids[r.index]}
        time.sleep(0.1)
    for index in pending:
        recovery[index] = {"ready_after_s": None, "same_process": replicas[index].process.pid == pids[index]}


def report(items, status, kills, recovery, readyz_down, stream_end, drained, deliveries, replicas):
    steady_items = [i for i in items if not i[1].startswith("fp-s")]  # the storm phases' pods are fp-s<phase><group>-p<n>
    state = {(fp, "resolved" if resolved == "t" else "firing"): st for _, fp, resolved, st in items}
    key_of = {(fp, "resolved" if resolved == "t" else "firing"): key for key, fp, resolved, _ in items}
    received = {}
    for t, fp, st, key, path in hooks:
        if path == "/hook":
            received.setdefault((fp, st), []).append((t, key))
    superseded = [k for k in acked if state.get(k) == "superseded"]
    lost = [f"{fp} {st} (inbox: {state.get((fp, st), 'missing')})" for fp, st in acked if (fp, st) not in received and state.get((fp, st)) != "superseded"]
    missing_items = [f"{fp} {st}" for fp, st in acked if (fp, st) not in state]

    # Extra generic-webhook deliveries: one item received more than once; the same Idempotency-Key each time, and a
    # kill (or the database's restart) between the first and the last receipt (the item was in flight then).
    events = [t for t, _ in kills] + ([db_window[0]] if db_window[0] else [])
    extras, extra_rows = 0, []
    for (fp, st), got in sorted(received.items()):
        if len(got) > 1:
            extras += len(got) - 1
            first, last = got[0][0], got[-1][0]
            spans = [e for e in events if first - 1 <= e <= last]
            extra_rows.append({"item": f"{fp} {st}", "times": len(got), "same_key": len({k for _, k in got}) == 1,
                               "first_s": round(first, 1), "last_s": round(last, 1),
                               "event": ("kill at " + ", ".join(f"{e:.1f}" for e in spans)) if spans else "none"})
    # Slack: every chat.postMessage carries "<destination>|<inbox key>|<step>"; a key accepted twice is a duplicate.
    keys = {}
    for t, ts, thread, key, *_ in slack_posts:
        keys.setdefault(key, []).append(t)
    slack_duplicates = [k for k, v in keys.items() if len(v) > 1]
    item_of = {key: fp_st for fp_st, key in key_of.items()}
    steady = slack_accounting(CHANNEL, item_of, key_of)
    # A firing item has its Slack message: its own, or a place in a window digest (the steady stream is one only
    # when a burst of retries comes together, see WINDOW).
    slack_missing = [f"{fp} firing" for (fp, st) in acked if st == "firing" and state.get((fp, st)) == "delivered"
                     and not steady["own"].get(fp) and not steady["in"].get(fp)]
    storm = storm_report(item_of, key_of, state, kills)
    out_of_order = [fp for (fp, st) in received if st == "resolved" and (fp, "firing") in received
                    and received[(fp, "resolved")][0][0] < received[(fp, "firing")][0][0]]

    down = [a for a in answers if db_window[0] and db_window[1] and a[0] >= db_window[0] and a[1] <= db_window[1]]
    codes_down = {}
    for a in down:
        codes_down[str(a[3])] = codes_down.get(str(a[3]), 0) + 1
    codes = {}
    for a in answers:
        codes[str(a[3])] = codes.get(str(a[3]), 0) + 1
    return {
        "duration_s": DURATION, "rate": RATE, "hold_s": HOLD, "kill_every_s": KILL_EVERY, "db_down_s": DB_DOWN, "ha_share": HA_SHARE,
        "pods": int(DURATION * RATE), "acknowledged": len(acked), "not_acknowledged": not_acked, "posts": len(answers), "ha_posts": ha_posts,
        "answers": codes, "inbox_items": len(steady_items), "storm_inbox_items": len(items) - len(steady_items), "missing_from_inbox": missing_items,
        "delivered": sum(1 for k in acked if k in received), "superseded": len(superseded), "lost": lost,
        "hook_requests": sum(1 for h in hooks if h[4] == "/hook"), "extras": extras, "extra_rows": extra_rows, "extras_same_key": ("yes" if all(r["same_key"] for r in extra_rows) else "**no**") if extra_rows else "no extras",
        "slack_posts": sum(1 for p in slack_posts if p[4] == CHANNEL), "storm_slack_posts": sum(1 for p in slack_posts if p[4] == STORM_CHANNEL),
        "slack_updates": len(slack_updates), "slack_lookups": len(slack_lookups),
        "slack_duplicates": slack_duplicates, "slack_missing": slack_missing, "out_of_order": out_of_order,
        "failed": status.get("failed", 0), "dead": status.get("dead", 0), "status": status, "deliveries": deliveries,
        "kills": kills, "db_stopped_s": round(db_window[0], 1) if db_window[0] else None,
        "db_started_s": round(db_window[1], 1) if db_window[1] else None,
        "db_up_s": round(db_window[2], 1) if db_window[2] else None, "answers_while_down": codes_down,
        "readyz_while_down": readyz_down, "recovery": recovery, "stream_end_s": round(stream_end, 1), "drained_s": round(drained, 1),
        "replica_starts": [r.starts for r in replicas],
        "extra_table": "\n".join(f"| {r['item']} | {r['times']} | {'yes' if r['same_key'] else '**no**'} | {r['first_s']} → {r['last_s']} | {r['event']} |"
                                 for r in extra_rows) or "| none | | | | |",
        "recovery_text": "; ".join(f"replica {k}: ready {v['ready_after_s']} s after the start, "
                                   + ("same process (not restarted)" if v["same_process"] else "restarted by the kill schedule meanwhile")
                                   for k, v in sorted(recovery.items())),
        "kills_text": ", ".join(f"{t} s #{r}" for t, r in kills),
        "steady_window_digests": "; ".join(f"{d['headline']} pods {'recovered' if d['resolved'] else 'crash looping'} at {d['t']} s"
                                           + ("" if d["resolved"] else f" ({d['read']} read from its thread, key {'matches' if d['hash_ok'] else '**does not match**'})")
                                           for d in steady["digests"]) or "none",
        "steady_in_digests": sum(1 for v in steady["in"].values() if v),
        "steady_in_two_digests": sum(1 for v in steady["in"].values() if len(v) > 1),
        "storm": storm, "threshold": THRESHOLD, "window": WINDOW,
    }


def slack_accounting(channel, item_of, key_of):
    """The firing pods of a channel's messages: each pod's own message (step post or refire-reply, keyed by its inbox
    item) and each digest's pods (a digest names its pods only in its thread: a reply per pod keyed by its inbox item,
    up to Storm:MaxThreadReplies, and one more-pods reply naming the rest by pod). A digest's key is the SHA-256 of
    its inbox keys, so the pods read back from its thread are checked against it (hash_ok), and against its headline."""
    posts = [p for p in slack_posts if p[4] == channel and p[3] and p[3].count("|") == 2]
    own, inside, digests = {}, {}, []
    for t, ts, thread, key, _, texts in posts:
        _, item, step = key.split("|")
        if step in ("post", "refire-reply") and not item.startswith("digest:") and item in item_of:
            own[item_of[item][0]] = own.get(item_of[item][0], 0) + 1
    for t, ts, thread, key, _, texts in posts:
        _, item, step = key.split("|")
        if not (item.startswith("digest:") and step == "post"):
            continue
        headline = next((x for x in texts if "pod" in x), "")
        words = headline.split()
        count = int(words[1]) if len(words) > 1 and words[1].isdigit() else None
        resolved = "recovered" in headline
        members, complete = set(), True
        for rt, rts, rthread, rkey, _, rtexts in posts:
            if rthread != ts:
                continue
            _, ritem, rstep = rkey.split("|")
            if rstep == "digest-reply" and ritem in item_of:
                members.add(item_of[ritem][0])
            elif rstep == "more-pods":
                body = " ".join(rtexts)
                members.update("fp-" + name for name in re.findall(r"`([^`]+)`", body))
                complete = complete and not re.search(r" and \d+ more$", body.strip())
        fingerprints = sorted(members)
        keys = sorted(key_of[(fp, "firing")] for fp in fingerprints if (fp, "firing") in key_of)
        hash_ok = hashlib.sha256("\n".join(keys).encode()).hexdigest().upper() == item[len("digest:"):]
        thread = [p[0] for p in posts if p[2] == ts]
        digests.append({"t": round(t, 1), "ts": ts, "key": item[7:19], "headline": count, "resolved": resolved,
                        "thread": len(thread), "last_reply": round(max(thread), 1) if thread else None,
                        "read": len(fingerprints), "complete": complete, "hash_ok": hash_ok, "members": fingerprints})
        for fp in fingerprints:
            inside.setdefault(fp, []).append(len(digests) - 1)
    return {"own": own, "in": inside, "digests": digests}


def verdict(n):
    return "0" if n == 0 else f"**{n}**"


def storm_report(item_of, key_of, state, kills):
    """Every storm pod in exactly one digest or its own message, per group and phase, with the kills and the crash."""
    slack = slack_accounting(STORM_CHANNEL, item_of, key_of)
    received = {}
    for t, fp, st, key, path in hooks:
        if path == "/storm":
            received.setdefault(fp, []).append((t, key))
    events = [(t, f"kill #{r}") for t, r in kills] + ([(db_window[0], "database crash")] if db_window[0] else [])
    phases, totals = [], {"pods": 0, "acked": 0, "in_inbox": 0, "webhook": 0, "webhook_extras": 0, "extras_other_key": 0,
                          "one_digest": 0, "own": 0, "lost": 0, "two_or_more": 0}
    bad = []
    for at, groups in STORMS:
        rows = []
        for group, size in groups:
            fps = [f"fp-{group}-p{i:03d}" for i in range(size)]
            digests = sorted({d for fp in fps for d in slack["in"].get(fp, [])})
            places = {fp: len(slack["in"].get(fp, [])) + slack["own"].get(fp, 0) for fp in fps}
            row = {"group": group, "pods": size, "posted_s": round(storm_posted.get(group, 0), 1),
                   "acked_s": round(storm_acked[group], 1) if group in storm_acked else None, "acked": size if group in storm_acked else 0,
                   "in_inbox": sum(1 for fp in fps if (fp, "firing") in state),
                   "webhook": sum(1 for fp in fps if fp in received),
                   "webhook_extras": sum(len(received[fp]) - 1 for fp in fps if fp in received),
                   "extras_other_key": sum(1 for fp in fps if len({k for _, k in received.get(fp, [])}) > 1),
                   "digests": [f"{slack['digests'][d]['read']} ({slack['digests'][d]['t']} s)" for d in digests],
                   "one_digest": sum(1 for fp in fps if len(slack["in"].get(fp, [])) == 1 and not slack["own"].get(fp)),
                   "own": sum(1 for fp in fps if slack["own"].get(fp) and not slack["in"].get(fp) and slack["own"][fp] == 1),
                   "lost": sum(1 for fp in fps if places[fp] == 0), "two_or_more": sum(1 for fp in fps if places[fp] > 1)}
            bad += [f"{fp}: {places[fp]} places" for fp in fps if places[fp] != 1]
            rows.append(row)
            for k in totals:
                totals[k] += row[k]
        phase_digests = {d for g, n in groups for i in range(n) for d in slack["in"].get(f"fp-{g}-p{i:03d}", [])}
        end = max([slack["digests"][d]["t"] for d in phase_digests] or [at])
        near = [f"{name} at {t:.1f} s" for t, name in sorted(events) if at - 1 <= t <= end + 1]
        held = [s for s in storm_snapshots if at <= s[0] <= end + 1]
        at_events = []
        for t, name in sorted(events):
            if at - 1 <= t <= end + 1:
                # The crash's time is taken once pg_ctl returned: the store's last answer before it.
                before = [s for s in held if s[0] <= t and (s[1] is not None or name.startswith("kill"))]
                last = before[-1] if before else None
                at_events.append(f"{name} at {t:.1f} s: " + ("before the first look at the store" if not last else "the database was down" if last[1] is None
                                 else f"{last[1]} pods held, batches (state, pods): {last[2]} (as of {last[0]} s)"))
        phases.append({"at_s": round(at, 1), "groups": rows, "last_digest_s": end, "events": near, "store_at_events": at_events})
    digests = slack["digests"]
    table = "\n".join(
        f"| {p['at_s']} s | {g['group']} | {g['pods']} | {g['acked']} / {g['in_inbox']} | {g['webhook']} (+{g['webhook_extras']}) | "
        f"{', '.join(g['digests']) or 'none'} | {g['one_digest']} / {g['own']} | {verdict(g['lost'])} / {verdict(g['two_or_more'])} |"
        for p in phases for g in p["groups"])
    # Each digest's posts: the top message, then its thread (20 replies and the more-pods reply at most), and the kills
    # and the crash while they went out: a poster killed mid-thread leaves the rest to the replica that takes the batch over.
    events_sorted = sorted(events)
    posting = "\n".join(
        f"| {d['key']} | {d['headline']} | {d['t']} s | {d['thread']} | {d['last_reply'] if d['last_reply'] is not None else '-'} s | "
        + (", ".join(f"{name} at {t:.1f} s" for t, name in events_sorted if d['t'] - 1 <= t <= (d['last_reply'] or d['t'])) or "none") + " |"
        for d in digests)
    timeline = "\n".join(f"| {p['at_s']} s | {p['last_digest_s']} s | {'; '.join(p['store_at_events']) or 'none'} |" for p in phases)
    lookups = ", ".join(f"{m} at {t:.1f} s" for t, m in slack_lookups) or "none"
    return {"table": table, "timeline": timeline, "posting": posting, "lookups": lookups, "phases": phases, "totals": totals, "bad": bad, "digests": len(digests),
            "digest_keys_posted_twice": sum(1 for k in {d["key"] for d in digests} if sum(1 for d in digests if d["key"] == k) > 1),
            "digests_hash_mismatch": [d["key"] for d in digests if not d["hash_ok"]],
            "digests_headline_mismatch": [d["key"] for d in digests if d["headline"] != d["read"] or not d["complete"]],
            "digest_list": [{k: v for k, v in d.items() if k != "members"} for d in digests]}


def report_again():
    global ha_posts
    raw = json.load(open(os.path.join(WORK, "raw.json")))
    hooks.extend(tuple(h) for h in raw["hooks"])
    slack_posts.extend(tuple(p) for p in raw["slack_posts"])
    slack_updates.extend(raw["slack_updates"])
    slack_lookups.extend(raw["slack_lookups"])
    answers.extend(raw["answers"])
    acked.update({tuple(k): v for k, v in raw["acked"]})
    not_acked.extend(raw["not_acked"])
    ha_posts = raw["ha_posts"]
    db_window[:] = raw["db_window"]
    storm_acked.update(raw["storm_acked"])
    storm_posted.update(raw["storm_posted"])
    storm_snapshots.extend(tuple(s) for s in raw["storm_snapshots"])
    items, status, kills, recovery, readyz_down, stream_end, drained, deliveries = raw["args"]
    starts = raw["replica_starts"]
    replicas = [type("Replica", (), {"starts": n})() for n in starts]
    return report(items, status, [tuple(k) for k in kills], {int(k): v for k, v in recovery.items()}, readyz_down, stream_end, drained, deliveries, replicas)


if __name__ == "__main__":
    print(json.dumps(report_again() if sys.argv[1] == "--report" else main()))
