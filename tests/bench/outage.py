#!/usr/bin/env python3
"""Chat outage soak (driven by tests/bench/outage.sh): a Slack Web API stand-in that answers 503 for the outage,
then recovers, while alerts fire and resolve into the running service; then counts what reached the chat.

The stand-in implements what the service calls (chat.postMessage, chat.update, conversations.history and
.replies with message metadata, https://api.slack.com/methods) and Slack's posting limit of about one message a
second per channel with short bursts (https://api.slack.com/apis/rate-limits#posting-messages): beyond it, 429 with
Retry-After. Every post carries the service's idempotency key in its metadata ("<destination>|<key>|<step>"), where
<key> is the inbox key of an alert (route|fingerprint|startsAt ticks|status, hashed) or of a storm digest; a digest's
own lines name its pods (no cluster: each pod is its own workload, "pod shop/<name>").

Prints the report's table rows as JSON on stdout; the shell script writes the report."""
import hashlib, json, os, re, sqlite3, sys, threading, time, urllib.request
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs

service, inbox_path, port, token = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
outage_s = float(os.environ.get("OUTAGE_SECONDS", "300"))
pods_during = int(os.environ.get("PODS", "30"))
drain_limit_s = float(os.environ.get("DRAIN_LIMIT_SECONDS", "900"))
CHANNEL, BOT = "C0BENCH0001", "xoxb-bench-token"

lock = threading.Lock()
accepted, refused, throttled = [], 0, 0  # accepted: (t, method, ts, thread_ts, key, text)
outage_until = 0.0
bucket = {"tokens": 3.0, "at": time.monotonic()}
next_ts = [1_800_000_000.0]


class Slack(BaseHTTPRequestHandler):
    def log_message(self, *_):
        pass

    def answer(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        global refused
        url = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        method = url.path.rsplit("/", 1)[-1]
        with lock:
            if time.monotonic() < outage_until:
                refused += 1
                return self.answer(503, {"ok": False, "error": "service_unavailable"})
            oldest = float(q.get("oldest", "0"))
            if method == "conversations.history":
                rows = [a for a in accepted if a[1] == "chat.postMessage" and a[3] is None]
            else:
                rows = [a for a in accepted if a[1] == "chat.postMessage" and a[3] == q.get("ts")]
            messages = [{"ts": a[2], "metadata": {"event_type": "crashloop_webhook_post", "event_payload": {"idempotency_key": a[4]}}}
                        for a in reversed(rows) if float(a[2]) >= oldest]
        # One page holds them all in this soak (a few hundred at most).
        return self.answer(200, {"ok": True, "messages": messages, "has_more": False, "response_metadata": {"next_cursor": ""}})

    def do_POST(self):
        global refused, throttled
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        method = urlparse(self.path).path.rsplit("/", 1)[-1]
        if self.headers.get("Authorization") != f"Bearer {BOT}":
            return self.answer(200, {"ok": False, "error": "invalid_auth"})
        with lock:
            now = time.monotonic()
            if now < outage_until:
                refused += 1
                return self.answer(503, {"ok": False, "error": "service_unavailable"})
            if method == "chat.postMessage":
                bucket["tokens"] = min(3.0, bucket["tokens"] + (now - bucket["at"]))
                bucket["at"] = now
                if bucket["tokens"] < 1:
                    throttled += 1
                    return self.answer(429, {"ok": False, "error": "ratelimited"}, [("Retry-After", "1")])
                bucket["tokens"] -= 1
                next_ts[0] += 0.0001
                ts = f"{next_ts[0] + time.time() - 1_800_000_000:.6f}"
                key = ((body.get("metadata") or {}).get("event_payload") or {}).get("idempotency_key")
                text = json.dumps(body.get("blocks", [])) + (body.get("text") or "")
                accepted.append((time.time(), method, ts, body.get("thread_ts"), key, text))
                return self.answer(200, {"ok": True, "channel": CHANNEL, "ts": ts})
            if method == "chat.update":
                accepted.append((time.time(), method, body.get("ts"), None, None, ""))
                return self.answer(200, {"ok": True, "channel": CHANNEL, "ts": body.get("ts")})
        return self.answer(200, {"ok": False, "error": "unknown_method"})


server = ThreadingHTTPServer(("127.0.0.1", port), Slack)
threading.Thread(target=server.serve_forever, daemon=True).start()


def iso(t):
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def inbox_key(fingerprint, starts_at, status):
    ticks = int(starts_at) * 10_000_000 + 621_355_968_000_000_000
    return hashlib.sha256(f"default|{fingerprint}|{ticks}|{status}".encode()).digest()[:16].hex()


sent = {}  # inbox key -> (pod, startsAt, status, sent at)
firing = {}  # pod -> startsAt


def alert(pod, starts_at, status, ends_at=None):
    return {"status": status, "labels": {"alertname": "KubePodCrashLooping", "namespace": "shop", "pod": pod, "container": "app",
                                         "severity": "warning"},
            "annotations": {"summary": "Pod is crash looping."}, "startsAt": iso(starts_at),
            "endsAt": iso(ends_at) if ends_at else "0001-01-01T00:00:00Z", "generatorURL": "http://prometheus.local/graph",
            "fingerprint": "fp-" + pod}


def post(alerts):
    body = {"version": "4", "groupKey": '{}:{alertname="KubePodCrashLooping"}', "truncatedAlerts": 0,
            "status": "firing" if any(a["status"] == "firing" for a in alerts) else "resolved", "receiver": "crashloop",
            "groupLabels": {"alertname": "KubePodCrashLooping"}, "commonLabels": {}, "commonAnnotations": {},
            "externalURL": "http://alertmanager.local:9093", "alerts": alerts}
    request = urllib.request.Request(service + "/alerts", json.dumps(body).encode(),
                                     {"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 202, response.status
    for a in alerts:
        starts = datetime.strptime(a["startsAt"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()
        sent.setdefault(inbox_key(a["fingerprint"], starts, a["status"]), (a["labels"]["pod"], starts, a["status"], time.time()))


def fire(pod):
    firing[pod] = int(time.time())
    post([alert(pod, firing[pod], "firing")])


def resolve(pod):
    starts = firing.pop(pod)
    post([alert(pod, starts, "resolved", int(time.time()))])


# The schedule, in seconds from the outage's start: during the outage a pod fires every (outage - 30) / PODS s and
# resolves 60 s later; every fifth fires again 120 s after its first start (a new startsAt: a second episode of the
# same alert, which must come after the first's resolve). After the recovery, five more pods fire and resolve, and
# what still fires resolves. Alertmanager's repeats (every 30 s, all firing alerts of the group) are sent as it would.
events = []
spacing = (outage_s - 30) / pods_during
for i in range(pods_during):
    pod, at = f"p{i:02d}", 5 + i * spacing
    events += [(at, fire, pod), (at + 60, resolve, pod)]
    if i % 5 == 0:
        events += [(at + 120, fire, pod), (at + 180, resolve, pod)]
for j in range(5):
    pod, at = f"q{j}", outage_s + 10 + j * 10
    events += [(at, fire, pod), (at + 20, resolve, pod)]
events.sort(key=lambda e: e[0])

start, start_wall = time.monotonic(), time.time()
with lock:
    outage_until = start + outage_s
next_repeat = 30.0
for at, action, pod in events:
    while time.monotonic() - start < at:
        if time.monotonic() - start >= next_repeat:
            if firing:
                post([alert(p, s, "firing") for p, s in firing.items()])
            next_repeat += 30
        time.sleep(0.05)
    if action is resolve and pod not in firing:
        continue
    action(pod)
last_alert = time.monotonic() - start


def status():
    with urllib.request.urlopen(service + "/status", timeout=10) as response:
        return json.load(response)["inbox"]


def held_for_digests():
    try:
        db = sqlite3.connect(f"file:{inbox_path}?mode=ro", uri=True, timeout=5)
        try:
            return db.execute("SELECT count(*) FROM storm_entries").fetchone()[0]
        finally:
            db.close()
    except sqlite3.OperationalError:
        return 0  # no storm yet, no table


# Drained: nothing pending or in flight in the inbox, no pod held for a digest.
while True:
    s = status()
    if s["pending"] == 0 and s["inFlight"] == 0 and held_for_digests() == 0:
        break
    if time.monotonic() - start > outage_s + drain_limit_s:
        break
    time.sleep(1)
drained = time.monotonic() - start
final = status()
server.shutdown()

# What reached the chat, per inbox item: its own posts (keyed), or the digest it was in (keyed by the digest, pods
# named in its lines; firing digests also reply per pod with the pod's key).
states = {}
db = sqlite3.connect(f"file:{inbox_path}?mode=ro", uri=True)
for key, state in db.execute("SELECT key, state FROM items"):
    states[key] = state
db.close()

posts = [a for a in accepted if a[1] == "chat.postMessage"]
by_step = {}
for a in posts:
    by_step.setdefault(a[4], []).append(a)
duplicates = sum(len(v) - 1 for v in by_step.values() if v and len(v) > 1)

delivered_at, via = {}, {}  # inbox key -> first time it reached the chat, and how
# A digest's line per group: "N × cause in pod shop/p07 (summary)" (firing) or "N × pod shop/p07" (recovered);
# in the blocks' JSON the × is escaped.
line_re = re.compile(r"(\d+) (?:\u00d7|\\u00d7) (?:[^\"\\\u00d7]*? in )?pod shop/([pq]\d+)")
for a in posts:
    key = a[4] or ""
    parts = key.split("|")
    if len(parts) == 3 and not parts[1].startswith("digest:") and parts[2] != "more-pods":
        if parts[1] not in delivered_at:
            delivered_at[parts[1]], via[parts[1]] = a[0], parts[2]
    elif len(parts) == 3 and parts[1].startswith("digest:") and parts[2] == "post":
        status = "resolved" if "recovered" in a[5] else "firing"
        counts = {}
        for n, pod in line_re.findall(a[5]):
            counts[pod] = max(counts.get(pod, 0), int(n))
        for pod, n in counts.items():
            # The digest stands for that many items of the pod and status, the oldest not yet in the chat.
            waiting = sorted((v[1], k) for k, v in sent.items()
                             if v[0] == pod and v[2] == status and v[3] <= a[0] and k not in delivered_at)
            for _, k in waiting[:n]:
                delivered_at[k], via[k] = a[0], "digest"

lost, out_of_order, superseded = [], [], 0
for key, (pod, starts, st, _) in sent.items():
    state = states.get(key)
    if state == "superseded":
        superseded += 1
        continue
    if key not in delivered_at:
        lost.append(f"{pod} {st} {iso(starts)[11:19]} (inbox: {state})")
for pod in sorted({v[0] for v in sent.values()}):
    items = sorted(((v[1], 0 if v[2] == "firing" else 1), k) for k, v in sent.items() if v[0] == pod)
    times = [delivered_at[k] for _, k in items if k in delivered_at]
    if any(b < a for a, b in zip(times, times[1:])):
        out_of_order.append(pod + ": " + "; ".join(
            f"{sent[k][2]} {iso(sent[k][1])[11:19]} by {via[k]} at +{delivered_at[k] - start_wall:.0f} s" for _, k in items if k in delivered_at))

# When the backlog of the outage was through: the last first arrival of an item sent before the recovery.
backlog = [delivered_at[k] for k, v in sent.items() if k in delivered_at and v[3] - start_wall < outage_s]
print(json.dumps({
    "backlog_delivered_after_recovery_s": round(max(backlog) - start_wall - outage_s, 1) if backlog else None,
    "outage_s": outage_s, "last_alert_s": round(last_alert), "drained_s": round(drained),
    "drained_after_recovery_s": round(drained - outage_s), "items": len(sent),
    "firing": sum(1 for v in sent.values() if v[2] == "firing"), "resolved": sum(1 for v in sent.values() if v[2] == "resolved"),
    "delivered_items": sum(1 for k in sent if k in delivered_at), "superseded": superseded,
    "lost": len(lost), "lost_items": lost or ["none"], "duplicates": duplicates, "out_of_order": len(out_of_order), "out_of_order_pods": out_of_order or ["none"],
    "failed": final.get("failed", 0), "dead": final.get("dead", final.get("deadLettered", 0)),
    "pending_left": final.get("pending", 0) + final.get("inFlight", 0), "held_for_digests": held_for_digests(),
    "posts": len(posts), "digests": sum(1 for a in posts if re.fullmatch(r"[^|]*\|digest:[^|]*\|post", a[4] or "")),
    "updates": sum(1 for a in accepted if a[1] == "chat.update"), "refused_503": refused, "throttled_429": throttled,
    "first_post_after_recovery_s": round(min(a[0] for a in posts) - start_wall - outage_s, 1) if posts else None,
    "inbox": final,
}))
