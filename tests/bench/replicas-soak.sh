#!/usr/bin/env bash
# Replica failure soak (issue 15, "Failure tests"): three published service processes on one throwaway PostgreSQL,
# a steady stream of alerts (each pod fires, then resolves HOLD s later) posted round-robin like Alertmanager (a
# non-2xx is retried at the next replica; some alerts are also posted to a second replica, as an HA pair does), one
# replica SIGKILLed and restarted every 10 s, and PostgreSQL crashed (stop -m immediate) and started again once in
# the middle. Storm phases meanwhile: Alertmanager groups of 60-150 pods (over the shipped Storm:Threshold of 10) to a
# route of their own, posted just before a kill and just before the database's crash. Waits for the shared inbox to
# drain and counts what reached the generic webhook and the Slack Web API stand-in (tests/bench/replicas-soak.py):
# lost, extra deliveries and their Idempotency-Keys, Slack duplicates, out of order, failed, dead, the intake's answers
# while the database was down, and every storm pod in exactly one digest or its own message. Too long for the test suite (the
# suite's PostgresReplicasTests and PostgresServiceTests do one kill and one database restart). Writes
# tests/bench/REPLICAS-SOAK.md.
#   usage: tests/bench/replicas-soak.sh [seconds=120] [pods per second=1]
#   environment: HOLD=30 (firing to resolve, s), KILL_EVERY=10, DB_DOWN=10, HA_SHARE=0.3, THRESHOLD=10, WINDOW=00:00:03,
#   STORMS="seconds:pods+pods,..." (default: before the second kill, the crash and the ninth kill), SOAK_KEEP=1 keeps
#   the work folder (service logs, PostgreSQL log, raw.json for `replicas-soak.py --report <folder>`) and prints where it is
set -euo pipefail
cd "$(dirname "$0")/../.."
duration="${1:-120}"; rate="${2:-1}"
command -v python3 >/dev/null || { echo "python3 is missing"; exit 1; }
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { echo "PostgreSQL is missing (apt-get install postgresql, as tests/run.sh does)"; exit 1; }

work="$(mktemp -d /tmp/replicas-soak-XXXXXX)"
cleanup() {
  if [ -n "${pid:-}" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  if [ "${SOAK_KEEP:-}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
dotnet publish -c Release src/Webhook -o "$work/app" -v q -nologo >/dev/null

started="$(date -u +%Y-%m-%dT%H:%MZ)"
DURATION="$duration" RATE="$rate" python3 tests/bench/replicas-soak.py "$work/app" "$work" >"$work/result.json" &
pid=$!
wait "$pid"; pid=
result="$(cat "$work/result.json")"
field() { python3 -c '
import json, sys
v = json.loads(sys.argv[1])
for part in sys.argv[2].split("."):
    v = v[part] if isinstance(v, dict) else v[int(part)]
if isinstance(v, list):
    print(", ".join(map(str, v)) if v else "none")
elif isinstance(v, dict):
    print(", ".join(f"{k}: {x}" for k, x in v.items()) if v else "none")
else:
    print(v)' "$result" "$1"; }
count() { python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])[sys.argv[2]]))' "$result" "$1"; }
verdict() { [ "$1" = 0 ] && echo "0" || echo "**$1**"; }
# fail or crit lines, other than the intake's expected "Answering 503" while the database is down
errors="$(cat "$work"/replica-*/service.log | awk '/^(fail|crit):/ { head = $0; getline; if ($0 !~ /Answering 503/) n++ } END { print n + 0 }')"
cat > tests/bench/REPLICAS-SOAK.md <<REPORT
# Replica failure soak

\`tests/bench/replicas-soak.sh $duration $rate\` on $(nproc) cores, $started: the published service (Release), 3 processes
on one PostgreSQL ($(ls -d /usr/lib/postgresql/*/ | xargs -n1 basename | tail -1), a throwaway server on loopback, \`Maximum Pool Size=25;Timeout=5\`),
4 workers each, Kubernetes off. Two routes, each with two destinations: a generic webhook receiver and a Slack Web API
stand-in (bot token; both answer after 50-300 ms); the steady stream posts to \`default\` (channel C0SOAK0001), the storm
phases to \`storm\` (channel C0STORM001, its own storm gate). \`Storm:Threshold=$(field threshold)\` (as shipped), \`Storm:Window=$(field window)\`
(at the shipped 2 minutes the steady stream's pod a second would itself be a window storm: its pods in window digests,
not their own messages), other storm settings as shipped (Settle 5 s, MaxHold 60 s, 20 thread replies per digest). The
Slack pace is raised to 10/s per channel (one pace shared by the replicas): the soak is about kills, not the chat's pace.

The stream: a pod starts crash looping every $(python3 -c "print(round(1/$rate, 2))") s for $duration s ($(field pods) pods); each fires and
resolves $(field hold_s) s later. Each post goes to the next replica round-robin; a non-2xx or no answer is sent again to the
next replica (backoff 0.2 s growing to 2 s), and after a 2xx $(python3 -c "print(round(100*$(field ha_share)))") % of the alerts are
posted once more to another replica, as the second Alertmanager of an HA pair does ($(field ha_posts) such posts). Every
$(field kill_every_s) s one replica (in turn) gets SIGKILL and is started again at once ($(count kills) kills: $(field kills_text)). PostgreSQL is crashed
(\`pg_ctl stop -m immediate\`) at $(field db_stopped_s) s and started again at $(field db_started_s) s (answering after its crash recovery at $(field db_up_s) s).

| | count |
| --- | ---: |
| alert items acknowledged (2xx; distinct pod and status) | $(field acknowledged) of $(( $(field pods) * 2 )) |
| never acknowledged (gave up) | $(verdict "$(count not_acknowledged)") |
| items in the shared inbox (route default) / acknowledged but missing from it | $(field inbox_items) / $(verdict "$(count missing_from_inbox)") |
| delivered to the generic webhook (at least once) | $(field delivered) |
| superseded (a firing still undelivered when its resolve arrived: not posted, by design) | $(field superseded) |
| **lost** (acknowledged, neither delivered nor superseded) | $(verdict "$(count lost)") |
| generic-webhook requests / **extra** deliveries (same item again) | $(field hook_requests) / $(field extras) |
| every extra with the same Idempotency-Key | $(field extras_same_key) |
| Slack chat.postMessage (channel C0SOAK0001) / chat.update / lookups (history, replies; both channels) | $(field slack_posts) / $(field slack_updates) / $(field slack_lookups) |
| **Slack duplicate keys** (one idempotency key accepted twice) | $(verdict "$(count slack_duplicates)") |
| delivered firing items without their Slack message (their own, or a place in a window digest) | $(verdict "$(count slack_missing)") |
| steady items in window digests / in two digests | $(field steady_in_digests) / $(verdict "$(field steady_in_two_digests)") |
| **out of order** (a resolved delivered before its firing) | $(verdict "$(count out_of_order)") |
| **failed** / **dead** (\`/status\`) | $(verdict "$(field failed)") / $(verdict "$(field dead)") |
| intake answers while PostgreSQL was down ($(python3 -c "import json,sys; r=json.loads(sys.argv[1]); print(round(r['db_started_s']-r['db_stopped_s'],1))" "$result") s) | $(field answers_while_down) |

Extra generic-webhook deliveries (times received, and what happened between the first and the last receipt; a
kill or the database's crash means the item was in flight then):

| item | received | same Idempotency-Key | first → last receipt (s) | kill or database crash in between (s) |
| --- | ---: | --- | --- | --- |
$(field extra_table)

While PostgreSQL was down, \`/readyz\` of each replica answered: $(field readyz_while_down). After it was started
again: $(field recovery_text). All intake answers of the run (posts incl. retries and HA copies: $(field posts)): $(field answers)
("error": no answer, a killed replica's port). The stream's last post was acknowledged at $(field stream_end_s) s and the inbox was
drained at $(field drained_s) s. Lost: $(field lost). Slack duplicates: $(field slack_duplicates). Out of order: $(field out_of_order).
Window digests of the steady stream (a burst of its items together, over $(field threshold) within $(field window)): $(field steady_window_digests).

## Storm phases

Each group is one Alertmanager post of all its pods (firing, one group key; GroupSize over the threshold, so its pods
join one batch across replicas whatever the window says), retried at the next replica on a non-2xx, and posted once
more to another replica as the HA pair's second Alertmanager does. A digest names its pods only in its Slack thread
(a reply per pod for 20 of them, keyed by the pod's inbox item, and one reply naming the rest): the pods of each digest
are read from there, checked against its headline ("N pods crash looping") and against its idempotency key, which is
the SHA-256 of its pods' inbox keys ($(field storm.digests) digests: headline or thread not matching: $(verdict "$(python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])["storm"]["digests_headline_mismatch"]))' "$result")"), key not matching:
$(verdict "$(python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])["storm"]["digests_hash_mismatch"]))' "$result")"), one digest posted twice: $(verdict "$(field storm.digest_keys_posted_twice)")).

| posted | group | pods | acknowledged / in the inbox | generic webhook (+ extra, same key) | digests: pods (posted at) | pods in one digest / own message only | **lost** (in none) / **in two or more** |
| --- | --- | ---: | ---: | ---: | --- | ---: | ---: |
$(field storm.table)

Extra storm deliveries to the generic webhook with another Idempotency-Key: $(verdict "$(field storm.totals.extras_other_key)"). The kills and the database's crash
during each phase (from its post to its last digest), with what the shared store held for the storm route's digests
at its last look before (every 0.25 s: pods joined, and each batch's state and pods). Slack posts to the storm
channel (digests, thread replies, more-pods replies, own messages): $(field storm_slack_posts).

| phase | last digest | kills and crash |
| --- | --- | --- |
$(field storm.timeline)

Each digest's posts to the storm channel: its top message, then its thread (a reply for each of 20 pods and one
naming the rest), with the kills and the crash while they went out (a kill of the poster leaves the rest of the thread
to the replica that takes the batch over, which first looks up a post whose answer the kill lost). Lookups of the run
(both channels): $(field storm.lookups).

| digest (key) | pods | top message | thread posts | last thread post | kills or crash from 1 s before the top message to the last thread post |
| --- | ---: | --- | ---: | --- | --- |
$(field storm.posting)

Service log entries at fail or crit level, all replicas, besides the intake's "Answering 503" while the database was down: $errors. Inbox at the end (both routes): \`$(python3 -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1])["status"]))' "$result")\`.
REPORT
cat tests/bench/REPLICAS-SOAK.md
