#!/usr/bin/env bash
# Chat outage soak: the published service, as shipped (its default Pipeline, Delivery and Storm settings), posting
# to a Slack Web API stand-in (tests/bench/outage.py) that answers 503 for the whole outage and then recovers, while
# alerts fire, resolve and fire again. Counts what reached the chat: lost, duplicates, out of order, failed, dead.
# Too long for the test suite (the outage alone is 5 minutes); the suite's OutageOrderTests cover the same path
# for longer than one full backoff cycle on a shorter clock. Writes tests/bench/OUTAGE.md.
#   usage: tests/bench/outage.sh [outage seconds=300] [pods firing during the outage=30]
set -euo pipefail
cd "$(dirname "$0")/../.."
outage="${1:-300}"; pods="${2:-30}"; port=5183; slack_port=5184
command -v python3 >/dev/null || { echo "python3 is missing"; exit 1; }
free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free "$port" && free "$slack_port" || { echo "port $port or $slack_port is in use"; exit 1; }

work="$(mktemp -d)"
trap 'kill ${pid:-} 2>/dev/null || true; wait ${pid:-} 2>/dev/null || true; rm -rf "$work"' EXIT
dotnet publish -c Release src/Webhook -o "$work/app" -v q -nologo >/dev/null

# Only what a deployment must set: where the inbox is, the intake's token, the route's Slack bot. No cluster
# (KUBECONFIG unset): each alert is diagnosed from its labels, which keeps the soak about delivery.
env -u KUBECONFIG Inbox__Path="$work/data/inbox.db" Auth__BearerToken=bench-token \
  Routes__default__Slack__BotToken=xoxb-bench-token Routes__default__Slack__Channel=C0BENCH0001 \
  Routes__default__Slack__ApiBaseUrl="http://127.0.0.1:$slack_port/api/" Logging__LogLevel__Default=Warning \
  dotnet "$work/app/Webhook.dll" --urls "http://127.0.0.1:$port" >"$work/service.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done

started="$(date -u +%Y-%m-%dT%H:%MZ)"
result="$(OUTAGE_SECONDS="$outage" PODS="$pods" python3 tests/bench/outage.py "http://127.0.0.1:$port" "$work/data/inbox.db" "$slack_port" bench-token)"
field() { python3 -c 'import json,sys; v=json.loads(sys.argv[1])[sys.argv[2]]; print(", ".join(v) if isinstance(v, list) else v)' "$result" "$1"; }
warnings="$(grep -c 'warn' "$work/service.log" || true)"

verdict() { [ "$(field "$1")" = 0 ] && echo "0" || echo "**$(field "$1")**"; }
cat > tests/bench/OUTAGE.md <<REPORT
# Chat outage soak

\`tests/bench/outage.sh $outage $pods\` on $(nproc) cores, $started: the published service (Release) with its shipped
defaults, 4 workers, one route to a Slack Web API stand-in (bot token) that answers **503 to every call for
$(field outage_s) s**, then recovers and enforces Slack's posting limit (about 1/s per channel, bursts of 3; beyond it 429
with Retry-After). During the outage $pods pods fire (one every $(( (outage - 30) / pods )) s) and resolve 60 s later; every fifth fires
again 120 s after its first start (a second episode of the same alert) and resolves 60 s after that. After the recovery 5
more pods fire and resolve. Alertmanager's repeats are sent every 30 s (the same keys: the inbox keeps one of each).

| | count |
| --- | ---: |
| alert items sent (distinct inbox keys) | $(field items) ($(field firing) firing, $(field resolved) resolved) |
| reached the chat (own message, thread reply, or a storm digest naming the pod) | $(field delivered_items) |
| superseded (a firing still undelivered when its resolve arrived: not posted, by design) | $(field superseded) |
| **lost** (neither reached the chat nor superseded) | $(verdict lost) |
| **duplicates** (a post with the same idempotency key and step accepted twice) | $(verdict duplicates) |
| **out of order** (pods whose items reached the chat in another order than they happened) | $(verdict out_of_order) |
| **failed** | $(verdict failed) |
| **dead** | $(verdict dead) |
| left pending, in flight or held for a digest at the end | $(field pending_left) / $(field held_for_digests) |
| chat calls refused with 503 during the outage | $(field refused_503) |
| posts throttled with 429 after the recovery | $(field throttled_429) |
| messages posted (chat.postMessage) / of them storm digests / chat.update | $(field posts) / $(field digests) / $(field updates) |

Timings: the first post was accepted $(field first_post_after_recovery_s) s after the recovery, and the last item sent
during the outage reached the chat **$(field backlog_delivered_after_recovery_s) s after the recovery**. The last alert was sent
$(field last_alert_s) s after the outage's start and everything was delivered (inbox drained, no digest held) at $(field drained_s) s.
The drain is bounded by the shipped
backoff: an item retries after 2, 4, 8, ... s (each a random wait between half and all of it) up to
\`Pipeline:MaxBackoff\` (5 min), and a storm digest after \`Storm:RetryDelay\` (30 s) doubling up to \`Storm:MaxRetryDelay\`
(10 min); nothing is given up before \`Pipeline:MaxRetryAge\` / \`Storm:MaxRetryAge\` (24 h). An item of an alert whose earlier
item waits in a storm digest is not sent until the digest is posted; each such try counts as an attempt, so its
wait grows like any retry's, up to \`Pipeline:MaxBackoff\` after the digest went out.

Lost items: $(field lost_items || true). Out-of-order pods: $(field out_of_order_pods || true).
Service log lines at warning level: $warnings (the retries of the outage). Inbox at the end: \`$(python3 -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1])["inbox"]))' "$result")\`.
REPORT
cat tests/bench/OUTAGE.md
