#!/usr/bin/env python3
"""Storm benchmark of the two inbox stores, on loopback: N alerts (default 2,000 pods) posted in groups by 8
Alertmanager-like senders spread over the replicas, then drained by the pipeline (Kubernetes off, the console
destination, so the store and the pipeline are measured, not a chat). Runs SQLite with 1 replica, PostgreSQL with 1
and with 3 replicas (each its own local folder, one shared database), in the same run, and prints a Markdown table:
intake (alerts acknowledged per second), drain (seconds from the first post until nothing is open), and the CPU per
alert of the service processes and of the PostgreSQL server (all its processes) over that time. Two scenarios: the
console destination (the store and the pipeline), and a Slack incoming webhook stand-in, where the storm gate takes
the pods into digests (its store calls per pod instead of a post).

PostgreSQL is Debian's (tests/run.sh installs it): initdb into a temporary folder, postgres on a free loopback port as
the postgres user when run as root, stopped and removed at the end, like the tests' fixture.

Two modes, each with its own PostgreSQL server and its own SQLite baseline row:
- shared: every process runs on all the machine's cores (what one machine gives);
- nodes: every process of a row (the SQLite replica; each PostgreSQL replica; the PostgreSQL server with all its
  backends) runs in a cgroup (v1 cpu controller, as root) of its own with the same CPU quota, NODE_CPU cores (default
  0.45: 4 nodes fit in 2 cores with room for this load driver): the issue's deployment of replicas on separate nodes
  and the database on its own, all nodes of one size. The cgroups are removed at the end.
    usage: tests/bench/inbox-stores.py [alerts=2000] [group=50] [--modes=shared,nodes] [--scenarios=console,storm]
                                       [--statements]   (pg_stat_statements: the top statements of each PostgreSQL row)
"""
import concurrent.futures, glob, json, os, shutil, socket, subprocess, sys, tempfile, threading, time, urllib.error, urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
POSITIONAL = [a for a in sys.argv[1:] if not a.startswith("--")]
OPTIONS = dict((a[2:].split("=", 1) + [""])[:2] for a in sys.argv[1:] if a.startswith("--"))
ALERTS = int(POSITIONAL[0]) if len(POSITIONAL) > 0 else 2000
GROUP = int(POSITIONAL[1]) if len(POSITIONAL) > 1 else 50
MODES = OPTIONS.get("modes", "shared,nodes").split(",")
SCENARIOS = OPTIONS.get("scenarios", "console,storm").split(",")
STATEMENTS = "statements" in OPTIONS
NODE_CPU = float(os.environ.get("NODE_CPU", "0.45"))
TOKEN = "bench-token"
CGROUP_CPU = "/sys/fs/cgroup/cpu"


class Node:
    """A cgroup (v1 cpu controller) with a CPU quota of NODE_CPU cores: a process started in it through prefix() joins
    it before it execs, so everything it forks (PostgreSQL's backends) is in it too."""
    count = 0

    def __init__(self, name):
        Node.count += 1
        self.path = f"{CGROUP_CPU}/inbox-stores-{os.getpid()}-{Node.count}-{name}"
        os.mkdir(self.path)
        with open(f"{self.path}/cpu.cfs_period_us", "w") as f:
            f.write("100000")
        with open(f"{self.path}/cpu.cfs_quota_us", "w") as f:
            f.write(str(int(NODE_CPU * 100000)))

    def prefix(self):
        return ["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', self.path]

    def remove(self):
        for _ in range(100):  # empty once its processes have exited
            try:
                os.rmdir(self.path)
                return
            except OSError:
                time.sleep(0.1)


class NoNode:
    """The shared mode: no cgroup, the process runs on every core."""
    def prefix(self):
        return []

    def remove(self):
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_postgres(args):
    return (["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"] if os.geteuid() == 0 else []) + args


class Postgres:
    def __init__(self, work, node):
        self.bin = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]
        self.dir = os.path.join(work, f"pg-{os.urandom(3).hex()}")
        os.mkdir(self.dir, 0o700)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            os.chmod(work, 0o755)
        self.port = free_port()
        subprocess.run(as_postgres([f"{self.bin}/initdb", "-D", f"{self.dir}/data", "-U", "postgres", "--auth=trust", "--no-locale", "--no-sync"]),
                       check=True, stdout=subprocess.DEVNULL, cwd="/")
        # track=all: the statements inside the store's functions (storm_offer) are listed too, each on its own.
        statements = (" -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_planning=on -c pg_stat_statements.track=all"
                      if STATEMENTS else "")
        # pg_ctl joins the node's cgroup first: the postmaster it starts and every backend it forks are in it.
        subprocess.run(node.prefix() + as_postgres([f"{self.bin}/pg_ctl", "-D", f"{self.dir}/data", "-l", f"{self.dir}/log", "-w", "start", "-o",
                                    f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.dir}{statements}"]),
                       check=True, stdout=subprocess.DEVNULL, cwd="/")
        self.databases = 0

    def new_database(self):
        self.databases += 1
        name = f"bench{self.databases}"
        self.psql(f"CREATE DATABASE {name}")
        if STATEMENTS:
            self.psql("CREATE EXTENSION pg_stat_statements", name)
        self.database = name
        return f"Host=127.0.0.1;Port={self.port};Username=postgres;Database={name};Maximum Pool Size=30"

    def psql(self, sql, database="postgres"):
        return subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database, "-qAtc", sql],
                              check=True, capture_output=True, text=True).stdout

    def top_statements(self, count=24):
        """The statements of the current database by total execution + planning time (pg_stat_statements), then reset."""
        rows = self.psql(f"""SELECT calls, round(total_exec_time::numeric, 1), round((total_exec_time / nullif(calls, 0))::numeric, 3), plans,
                                    round(total_plan_time::numeric, 1), rows, regexp_replace(left(query, 100), '\\s+', ' ', 'g')
                             FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND calls >= 20
                             ORDER BY total_exec_time + total_plan_time DESC LIMIT {count}""", self.database)
        self.psql("SELECT pg_stat_statements_reset()", self.database)
        # Backends started for the row (each forks, warms its caches and plans its statements afresh).
        sessions = self.psql("SELECT sessions FROM pg_stat_database WHERE datname = current_database()", self.database).strip()
        return f"{rows}sessions (backends started): {sessions}\n"

    def pids(self):
        """The postmaster and its children (backends, WAL writer, checkpointer...)."""
        with open(f"{self.dir}/data/postmaster.pid") as f:
            master = int(f.readline())
        children = []
        for stat in glob.glob("/proc/[0-9]*/stat"):
            try:
                fields = open(stat).read().rsplit(")", 1)[1].split()
                if int(fields[1]) == master:
                    children.append(int(stat.split("/")[2]))
            except (OSError, IndexError, ValueError):
                pass
        return master, children

    def cpu_seconds(self):
        """CPU of the whole server so far: live processes, plus what exited children (ended backends) used."""
        master, children = self.pids()
        total = cpu_of(master, with_children=True)
        return total + sum(cpu_of(pid) for pid in children)

    def stop(self):
        subprocess.run(as_postgres([f"{self.bin}/pg_ctl", "-D", f"{self.dir}/data", "-m", "fast", "-w", "stop"]), stdout=subprocess.DEVNULL, cwd="/")


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_of(pid, with_children=False):
    """User + system seconds of a process from /proc (0 when it is gone); with_children adds its waited-for children."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12]) + ((int(fields[13]) + int(fields[14])) if with_children else 0)
    return ticks / TICKS


def start_service(folder, settings, node):
    port = free_port()
    env = dict(os.environ, ASPNETCORE_URLS=f"http://127.0.0.1:{port}", Kubernetes__Enabled="false", Auth__BearerToken=TOKEN,
               Logging__LogLevel__Default="Warning", Inbox__Path=os.path.join(folder, "inbox.db"), **settings)
    os.makedirs(folder, exist_ok=True)
    log = open(os.path.join(folder, "service.log"), "w")
    process = subprocess.Popen(node.prefix() + ["dotnet", os.path.join(ROOT, "src/Webhook/bin/Release/net10.0/Webhook.dll")], env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if urllib.request.urlopen(f"{url}/readyz", timeout=2).status == 200:
                return process, url
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"service did not get ready: {open(os.path.join(folder, 'service.log')).read()}")


def group(first, count):
    alerts = [{"status": "firing", "fingerprint": f"storm-{i:05d}", "startsAt": "2026-11-24T10:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
               "labels": {"alertname": "KubePodCrashLooping", "namespace": "shop", "pod": f"api-{i}", "container": "api"},
               "annotations": {}} for i in range(first, first + count)]
    # A group key of its own per group, as Alertmanager sends (one key's alerts all come in each of its notifications):
    # with one key for all 40 posts, the storm gate's batch of the key took in whatever pods came before its digest
    # loop claimed it, so 53-pod or 400-pod digests depending on scheduling, and the SQLite baseline was two-valued.
    key = f"{{}}:{{alertname=\"KubePodCrashLooping\", group=\"{first // GROUP}\"}}"
    return json.dumps({"version": "4", "groupKey": key, "status": "firing", "receiver": "crashloop",
                       "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://am", "alerts": alerts}).encode()


class SlackHook(BaseHTTPRequestHandler):
    """A Slack incoming webhook that takes everything (no pace: the chat is not what is measured)."""
    posts = 0
    lock = threading.Lock()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with SlackHook.lock:
            SlackHook.posts += 1
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def post(url, body):
    while True:  # as Alertmanager: a non-2xx is sent again
        request = urllib.request.Request(f"{url}/alerts", data=body, method="POST",
                                         headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                if 200 <= answer.status < 300:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.05)


def open_items(url):
    inbox = json.load(urllib.request.urlopen(f"{url}/status", timeout=10))["inbox"]
    return inbox["pending"] + inbox["inFlight"], inbox["delivered"]


def run(mode, name, work, replicas, settings, postgres=None, scenario="console"):
    nodes = [Node(f"{name}{r}") if mode == "nodes" else NoNode() for r in range(replicas)]
    processes = []
    try:
        for r in range(replicas):
            processes.append(start_service(os.path.join(work, f"{mode}-{scenario.split()[0]}-{name}-{replicas}-{r}"), settings, nodes[r]))
        urls = [url for _, url in processes]
        bodies = [(urls[n % len(urls)], group(first, min(GROUP, ALERTS - first))) for n, first in enumerate(range(0, ALERTS, GROUP))]
        service_cpu = sum(cpu_of(p.pid) for p, _ in processes)
        database_cpu = postgres.cpu_seconds() if postgres else 0.0
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(8) as senders:
            list(senders.map(lambda b: post(*b), bodies))
        acknowledged = time.monotonic() - started
        while True:
            waiting, delivered = open_items(urls[0])
            if waiting == 0 and delivered >= ALERTS:
                break
            time.sleep(0.05)
        drained = time.monotonic() - started
        service_cpu = sum(cpu_of(p.pid) for p, _ in processes) - service_cpu
        database_cpu = (postgres.cpu_seconds() - database_cpu) if postgres else 0.0
        if STATEMENTS and postgres:
            print(f"{mode} {scenario} {name} x{replicas}: calls | exec ms | exec ms/call | plans | plan ms | rows | statement\n{postgres.top_statements()}", file=sys.stderr)
        return {"mode": mode, "scenario": scenario, "store": name, "replicas": replicas, "intake": ALERTS / acknowledged, "drain_s": drained,
                "drained": ALERTS / drained, "service_ms": service_cpu * 1000 / ALERTS,
                "postgres_ms": database_cpu * 1000 / ALERTS if postgres else None}
    finally:
        for process, _ in processes:
            process.terminate()
            process.wait(30)
        for node in nodes:
            node.remove()


def main():
    if "nodes" in MODES and os.geteuid() != 0:
        sys.exit("the nodes mode makes cgroups: run as root, or with --modes=shared")
    if os.environ.get("SKIP_BUILD") != "1":
        subprocess.run(["dotnet", "build", "-c", "Release", os.path.join(ROOT, "src/Webhook"), "-v", "q", "-nologo"], check=True, stdout=subprocess.DEVNULL)
    work = tempfile.mkdtemp(prefix="inbox-stores-")
    hook = ThreadingHTTPServer(("127.0.0.1", free_port()), SlackHook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    # The storm scenario: the same pods to a Slack incoming webhook, so the storm gate takes them into digests (one
    # per group of 50, over Storm:Threshold): per pod, the gate's store calls instead of a post.
    slack = {"Routes__default__Slack__WebhookUrl": f"http://127.0.0.1:{hook.server_port}/slack/hook"}
    scenarios = [s for s in (("console", {}), ("storm digests", slack)) if s[0].split()[0] in SCENARIOS]
    digests = {}
    rows = []
    try:
        for mode in MODES:
            # A server per mode: in the nodes mode it runs in a node of its own (every backend it forks too).
            server_node = Node("postgres") if mode == "nodes" else NoNode()
            postgres = None
            try:
                postgres = Postgres(work, server_node)
                for scenario, extra in scenarios:
                    before = SlackHook.posts
                    rows.append(run(mode, "sqlite", work, 1, dict(extra), scenario=scenario))
                    for replicas in (1, 3):
                        rows.append(run(mode, "postgres", work, replicas,
                                        {"Inbox__Provider": "postgres", "Inbox__ConnectionString": postgres.new_database(), **extra}, postgres, scenario))
                    digests[(mode, scenario)] = SlackHook.posts - before
            finally:
                if postgres:
                    postgres.stop()
                server_node.remove()
    finally:
        hook.shutdown()
        shutil.rmtree(work, ignore_errors=True)
    storm_posts = sum(n for (_, scenario), n in digests.items() if scenario == "storm digests")
    print(f"{ALERTS} alerts in groups of {GROUP}, 8 senders, Kubernetes off, {os.cpu_count()} cores; nodes mode: {NODE_CPU} CPU per node; "
          f"Slack webhook posts in the storm scenario ({3 * len(MODES)} runs): {storm_posts}\n")
    print("| mode | scenario | store | replicas | intake alerts/s | drain s | drained alerts/s | drained : sqlite | service CPU ms/alert | postgres CPU ms/alert | total CPU ms/alert | total CPU : sqlite |\n"
          "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        # The baseline: one SQLite replica of the same scenario and mode in this run.
        base = next(b for b in rows if b["mode"] == r["mode"] and b["scenario"] == r["scenario"] and b["store"] == "sqlite")
        total = r["service_ms"] + (r["postgres_ms"] or 0)
        postgres_ms = f"{r['postgres_ms']:.2f}" if r["postgres_ms"] is not None else "-"
        print(f"| {r['mode']} | {r['scenario']} | {r['store']} | {r['replicas']} | {r['intake']:.0f} | {r['drain_s']:.1f} | {r['drained']:.0f} | "
              f"{r['drained'] / base['drained']:.2f} | {r['service_ms']:.2f} | {postgres_ms} | {total:.2f} | {total / base['service_ms']:.2f} |")


if __name__ == "__main__":
    main()
