#!/usr/bin/env bash
# Footprint benchmark of the shipped service: idle memory and time from process start to the first 200 from
# /readyz, for the framework-dependent JIT build (what the image shipped before, and what `dotnet run` and the tests
# still use: the baseline) against the Native AOT executable the Dockerfile publishes now, the same executable with
# the AOT compiler's default type data and linking (dehydrated, position-independent), and a few runtime settings for
# a small container. All variants are measured in the same run, in interleaved rounds, so a busy
# moment of a shared machine does not land on one side only; the report gives medians and ratios to the baseline.
# The AOT executable is also checked to work, not only to start: it diagnoses every sample bundle exactly as the JIT
# build does, and in demo mode (the replay Kubernetes API on loopback) collects, diagnoses and delivers an alert
# per sample pod. Writes tests/bench/FOOTPRINT.md.
#   usage: tests/bench/footprint.sh [rounds=5] [idle seconds=5]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-5}"; idle="${2:-5}"
# A port nobody listens on (other services may run on this machine): a connection to it must fail.
port=$(shuf -i 20000-60000 -n 1)
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$(shuf -i 20000-60000 -n 1); done
command -v curl >/dev/null || { echo "curl is missing"; exit 1; }

work="$(mktemp -d)"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

# Both builds from the same sources, published as the Dockerfile did before (JIT) and does now (AOT).
jit_publish_start=$(date +%s)
dotnet publish src/Webhook/Webhook.csproj -c Release -o "$work/jit" -v q -nologo >"$work/jit.log" 2>&1 \
  || { cat "$work/jit.log"; exit 1; }
jit_publish=$(( $(date +%s) - jit_publish_start ))
aot_publish_start=$(date +%s)
tests/bench/publish-aot.sh "$work/aot" # its log: $work/aot.log
aot_publish=$(( $(date +%s) - aot_publish_start ))
# The AOT compiler's defaults, which Webhook.csproj turns off: type data compressed in the file and rebuilt in memory
# at start, and a position-independent executable.
dotnet publish src/Webhook/Webhook.csproj -c Release -o "$work/aot-pie" -p:PublishAot=true -p:IlcDehydrate=true \
  -p:PositionIndependentExecutable=true -v q -nologo >"$work/aot-pie.log" 2>&1 || { cat "$work/aot-pie.log"; exit 1; }
# The shipped executable without the start's method order (src/Webhook/NativeAot.order): what the order buys.
dotnet publish src/Webhook/Webhook.csproj -c Release -o "$work/aot-noorder" -p:PublishAot=true -p:IlcOrderFile= \
  -v q -nologo >"$work/aot-noorder.log" 2>&1 || { cat "$work/aot-noorder.log"; exit 1; }
# The shipped executable with EventSource, which the Web SDK turns on for AOT apps and Webhook.csproj turns off.
dotnet publish src/Webhook/Webhook.csproj -c Release -o "$work/aot-es" -p:PublishAot=true -p:EventSourceSupport=true \
  -v q -nologo >"$work/aot-es.log" 2>&1 || { cat "$work/aot-es.log"; exit 1; }
# Reference points: the smallest ASP.NET Core app with Native AOT, without and with KubernetesClient.Aot.
for probe in bare:false client:true; do
  dotnet publish tests/bench/aot-probe/AotProbe.csproj -c Release -o "$work/probe-${probe%%:*}" \
    -p:WithKubernetesClient="${probe#*:}" -p:BaseIntermediateOutputPath="$work/probe-obj-${probe%%:*}/" -v q -nologo \
    >"$work/probe.log" 2>&1 || { cat "$work/probe.log"; exit 1; }
done
aot_warnings="$(grep -cE 'warning (IL|SYSLIB)[0-9]+' "$work/aot.log" || true)"
aot_size_mb="$(awk -v b="$(stat -c %s "$work/aot/Webhook")" 'BEGIN {printf "%.1f", b / 1048576}')"
aot_pie_size_mb="$(awk -v b="$(stat -c %s "$work/aot-pie/Webhook")" 'BEGIN {printf "%.1f", b / 1048576}')"
jit_size_mb="$(du -sk --exclude='*.pdb' "$work/jit" | awk '{printf "%.1f", $1 / 1024}')"

# A variant: a name, then the environment and command that start it.
variants=(
  "JIT, framework-dependent (baseline; the image before)|dotnet $work/jit/Webhook.dll"
  "JIT, workstation GC, not concurrent|DOTNET_gcServer=0 DOTNET_gcConcurrent=0 dotnet $work/jit/Webhook.dll"
  "**Native AOT (the image now)**|$work/aot/Webhook"
  "Native AOT with the compiler's defaults: type data dehydrated, position-independent|$work/aot-pie/Webhook"
  "Native AOT without the start's method order (NativeAot.order)|$work/aot-noorder/Webhook"
  "Native AOT with EventSource (the Web SDK's default for AOT; EventPipe)|$work/aot-es/Webhook"
  "Native AOT, workstation GC, not concurrent|DOTNET_gcServer=0 DOTNET_gcConcurrent=0 $work/aot/Webhook"
  "Native AOT, GC heap hard limit 32 MiB|DOTNET_GCHeapHardLimit=0x2000000 $work/aot/Webhook"
  "reference: the smallest ASP.NET Core app, Native AOT (tests/bench/aot-probe)|$work/probe-bare/AotProbe"
  "reference: the same with KubernetesClient.Aot linked in|$work/probe-client/AotProbe"
)

# The sizes of the sections of a Native AOT executable that a start touches: type data rebuilt at start (.hydrated,
# anonymous memory), data mapped from the file (.data: the type data when it is not dehydrated), managed code,
# read-only data (which holds the compressed type data when it is dehydrated).
sections() {
  local h d c r
  read -r h d c r <<<"$(readelf -S -W "$1" | sed 's/^ *\[ *[0-9]*\] *//' \
    | awk 'BEGIN {h = d = c = r = 0} $1 == ".hydrated" {h = $5} $1 == ".data" {d = $5} $1 == "__managedcode" {c = $5} $1 == ".rodata" {r = $5} END {print h, d, c, r}')"
  awk -v h=$((16#$h)) -v d=$((16#$d)) -v c=$((16#$c)) -v r=$((16#$r)) \
    'BEGIN {printf "%.1f / %.1f / %.1f / %.1f", h / 1048576, d / 1048576, c / 1048576, r / 1048576}'
}
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
anon_kb() { awk '/^RssAnon/ {print $2}' "/proc/$1/status"; }
# CPU time of all the process's threads so far, in ms (clock ticks: 10 ms steps); unlike the time to ready, it does
# not grow when other work on a shared machine takes the cores.
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) * 1000 / hz}' "/proc/$1/stat"; }

# One start: the time from launching the process to its first 200 from /readyz and the CPU it used until then, then
# its RSS (and the anonymous part of it) after $idle s idle.
measure() { # $1: command line with its environment
  local inbox="$work/inbox-$RANDOM"; mkdir -p "$inbox"
  local t0 t1
  # Started in its own folder, as the image starts it (WORKDIR /app): the host watches its content root (the
  # working directory) for configuration changes, and a checkout's tree is not what a container has there.
  local dir; dir="$(dirname "${1##* }")"
  t0=$(now_ms)
  env -C "$dir" Inbox__Path="$inbox/inbox.db" Kubernetes__Enabled=false Logging__LogLevel__Default=Warning \
    ASPNETCORE_URLS="http://127.0.0.1:$port" $1 >"$work/service.log" 2>&1 &
  pid=$!
  # Polling, 2 ms apart: curl itself costs a few ms of one core, which the starting service would otherwise share.
  until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$port/readyz" || true)" = 200 ]; do
    # To stderr: measure's output is read by the caller, which would swallow this.
    kill -0 "$pid" 2>/dev/null || { cat "$work/service.log" >&2; echo "the service exited: $1" >&2; exit 1; }
    sleep 0.002
  done
  t1=$(now_ms)
  local cpu; cpu=$(cpu_ms "$pid")
  sleep "$idle"
  local rss anon; rss=$(rss_kb "$pid"); anon=$(anon_kb "$pid")
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  rm -rf "$inbox"
  echo "$(( t1 - t0 )) $rss $anon $cpu"
}

median() { sort -g | awk '{v[NR] = $1} END {printf "%.0f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

declare -A ready rss anon cpu
for r in $(seq 1 "$rounds"); do
  for i in "${!variants[@]}"; do
    read -r ms kb akb cms <<<"$(measure "${variants[i]#*|}")"
    [[ "$ms" =~ ^[0-9]+$ && "$kb" =~ ^[0-9]+$ ]] || { echo "no measurement of ${variants[i]%%|*}" >&2; exit 1; }
    ready[$i]+="$ms "; rss[$i]+="$kb "; anon[$i]+="$akb "; cpu[$i]+="$cms "
  done
done

rows=""
for i in "${!variants[@]}"; do
  m_ready[$i]="$(tr ' ' '\n' <<<"${ready[$i]}" | grep . | median)"
  m_rss[$i]="$(tr ' ' '\n' <<<"${rss[$i]}" | grep . | median)"
  m_anon[$i]="$(tr ' ' '\n' <<<"${anon[$i]}" | grep . | median)"
  m_cpu[$i]="$(tr ' ' '\n' <<<"${cpu[$i]}" | grep . | median)"
done
for i in "${!variants[@]}"; do
  rows+="| ${variants[i]%%|*} | $(awk -v k="${m_rss[$i]}" 'BEGIN {printf "%.1f", k / 1024}') MB | $(awk -v k="${m_anon[$i]}" 'BEGIN {printf "%.1f", k / 1024}') MB | $(awk -v a="${m_rss[$i]}" -v b="${m_rss[0]}" 'BEGIN {printf "%.2f", a / b}') | ${m_ready[$i]} ms | $(awk -v a="${m_ready[$i]}" -v b="${m_ready[0]}" 'BEGIN {printf "%.2f", a / b}') | ${m_cpu[$i]} ms | ${ready[$i]% } |"$'\n'
done
aot=2
met() { awk -v v="$1" -v t="$2" 'BEGIN {print (v <= t) ? "met" : "not met"}'; }
rss_met="$(met "$(awk -v k="${m_rss[$aot]}" 'BEGIN {print k / 1024}')" 40)"
ready_met="$(met "${m_ready[$aot]}" 150)"

# The AOT executable does what the JIT build does: the same diagnosis of every sample bundle...
same=0; differ=""
for bundle in tests/samples/*/; do
  [ -f "$bundle/pod.json" ] || continue
  dotnet "$work/jit/Webhook.dll" diagnose "$bundle" -o json >"$work/jit.json" 2>&1 || true
  "$work/aot/Webhook" diagnose "$bundle" -o json >"$work/aot.json" 2>&1 || true
  if cmp -s "$work/jit.json" "$work/aot.json" && [ -s "$work/aot.json" ]; then same=$(( same + 1 )); else differ+=" $(basename "$bundle")"; fi
done
# ...and the whole path in demo mode: the intake, the inbox, collection through KubernetesClient from the replay
# API server, the diagnosis and the delivery (to the console), counted on /status.
demo() { # $1: command; prints "delivered/expected"
  local inbox="$work/demo-$RANDOM"; mkdir -p "$inbox"
  env Inbox__Path="$inbox/inbox.db" Logging__LogLevel__Default=Warning $1 demo --urls "http://127.0.0.1:$port" >"$work/demo.log" 2>&1 &
  pid=$!
  local expected; expected=$(find tests/samples -name pod.json | wc -l)
  local delivered=0 deadline=$(( $(date +%s) + 60 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    delivered="$(curl -s --max-time 1 "http://127.0.0.1:$port/status" | grep -o '"delivered":[0-9]*' | cut -d: -f2 || true)"
    [ "${delivered:-0}" -ge "$expected" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; pid=""
  rm -rf "$inbox"
  echo "${delivered:-0}/$expected"
}
jit_demo="$(demo "dotnet $work/jit/Webhook.dll")"
aot_demo="$(demo "$work/aot/Webhook")"
# An alert posted to the AOT service as Alertmanager would: answered 202 once stored.
inbox="$work/post"; mkdir -p "$inbox"
Inbox__Path="$inbox/inbox.db" Kubernetes__Enabled=false Auth__BearerToken=t Logging__LogLevel__Default=Warning \
  ASPNETCORE_URLS="http://127.0.0.1:$port" "$work/aot/Webhook" >"$work/post.log" 2>&1 &
pid=$!
until curl -sf -o /dev/null "http://127.0.0.1:$port/readyz"; do kill -0 "$pid" || exit 1; sleep 0.01; done
posted="$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer t' -H 'Content-Type: application/json' \
  --data '{"version":"4","status":"firing","receiver":"r","groupKey":"g","alerts":[{"status":"firing","labels":{"alertname":"KubePodCrashLooping","namespace":"shop","pod":"api-1","container":"api"},"annotations":{},"startsAt":"2026-01-01T00:00:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"fp-1"}]}' \
  "http://127.0.0.1:$port/alerts")"
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""

cat > tests/bench/FOOTPRINT.md <<REPORT
# Footprint benchmark

\`tests/bench/footprint.sh $rounds $idle\` on $(nproc) cores, $(date -u +%Y-%m-%d). Each variant started $rounds times,
interleaved; "ready" is from launching the process to its first 200 from \`GET /readyz\` (polled every 2 ms), "CPU to
ready" the CPU time all its threads used until then (10 ms steps; unlike "ready" it does not grow when other work
takes the cores), "idle RSS" is VmRSS from /proc after ready and $idle s without requests, "anonymous" the part of it
that is the process's own memory (RssAnon; the rest are pages of files it maps, clean and shared: see below).
SQLite inbox on disk, Kubernetes off, no destination: the console. Medians; ratios are to the baseline of this run.

| variant | idle RSS | anonymous | : baseline | ready | : baseline | CPU to ready | ready, each round (ms) |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |
$rows
Targets for the shipped image (Native AOT row): idle RSS ≤ 40 MB: **$rss_met**; start to ready ≤ 150 ms: **$ready_met**.

Build: JIT publish ${jit_publish} s, $jit_size_mb MB (without symbols; needs the ASP.NET Core runtime of the base image);
Native AOT publish ${aot_publish} s (on a machine shared with other builds), one executable of $aot_size_mb MB
($aot_pie_size_mb MB with the compiler's defaults) plus libe_sqlite3.so, $aot_warnings trim/AOT warnings (warnings fail
the publish: TreatWarningsAsErrors).

The AOT executable works, checked in this run: \`diagnose -o json\` of each sample bundle gives the same output
as the JIT build for $same bundle(s)${differ:+, differs for:$differ}; in demo mode (replay Kubernetes API read through
the service's own requests and JSON, classification, console delivery) $aot_demo alerts were delivered (JIT: $jit_demo); a POST
/alerts with a bearer token was answered $posted.

Where the AOT executable's memory goes. Sections in this run (MB; type data rebuilt at start / data mapped from the
file / managed code / read-only data): the service $(sections "$work/aot/Webhook"); the same with the compiler's
defaults $(sections "$work/aot-pie/Webhook"); the smallest app $(sections "$work/probe-bare/AotProbe"); the smallest
app with KubernetesClient.Aot $(sections "$work/probe-client/AotProbe").

- Type data. By default the AOT compiler stores the executable's type data compressed ("dehydrated") and rebuilds it
  at every start into anonymous memory (\`.hydrated\`), all of it, whatever the program uses: that was the largest
  part of the service's own memory. Webhook.csproj turns that off (\`IlcDehydrate\`) and links the executable at a
  fixed address (\`PositionIndependentExecutable\`), so the type data needs no relocation: it is mapped from the
  file like the code, read on demand, clean (the kernel can drop and re-read it) and shared by every process of the
  image on a node. The cost: the file is larger (above), and the executable's own image is not address-randomised
  (its libraries, stacks and heaps still are), as with Go's default executables; the "compiler's defaults" row is the
  other side of that trade.
- Pages of the file. VmRSS counts every page of the executable that is mapped, and Linux maps up to 64 KB around
  each page a start touches (fault-around; here the page cache also reads the file in 64 KB pieces), so the code and
  data the start uses here and there count almost whole. These pages are the difference between "idle RSS" and
  "anonymous". The methods a start runs are placed together at the head of the code (src/Webhook/NativeAot.order,
  the compiler's \`--order\`; written by tests/bench/order/make-order.sh from a JIT run's list of compiled methods and
  \`perf\` call chains of AOT starts), followed by the about 660 methods of the reflection invoke map (below): the row
  "without the start's method order" is the same executable without it. The compiler orders only methods and what
  follows them in the file (their unwind data): type data, strings and generic dictionaries stay in its own order (by
  name), which is why they are still mostly resident. Its \`--file-layout:methodorder\` switch, meant to place each
  method's data after it, does nothing in this compiler (10.0.12): the methods get their sort keys before their
  dependencies are walked, and the walk stops at a node that has one, so it stops at once (its object file was
  byte-identical to the one without the switch).
- What a start touches, from \`perf record -e page-faults -d -g\` of a start (the first touch of each 64 KB, with the
  code that made it; tests/bench/order has the scripts). Type data: no pass over all types; the runtime allocates
  every type's GC static base at start (StartupCodeHelpers.InitializeStatics, about 15,900 of them, their region
  about 125 KB), and otherwise touches the types the start uses, which lie scattered among about 85,000 method tables
  sorted by name, so the 64 KB around them cover about three quarters of the type data. ASP.NET Core's host calls
  \`Delegate.GetMethodInfo()\` on its configure callback (GenericWebHostBuilder.Configure, unconditional in
  WebApplication.CreateBuilder); on Native AOT that builds a reverse map of every reflection-invokable method (about
  900: the methods of a few value types such as Double, Int32, TimeSpan and KeyValuePair, whose unboxing stubs it
  resolves), reading each one's unwind data and declaring type: about 80 of the 64 KB pieces, some 5 MB, while those
  methods lay scattered through the code. NativeAot.order now places them together after the start's methods, so
  their unwind data (which the compiler writes in code order) takes a few pieces: 43.9 -> 41.2 MB in alternating
  starts of the two builds (tests/bench/order/invoke-map.py finds them; what remains of that map is about 25 pieces
  of type data, the declaring types, which cannot be ordered). EventSource: the Web SDK turns it on for AOT apps,
  for EventPipe (dotnet-trace, dotnet-counters); then every start sets up EventPipe and creates the runtime's and
  the libraries' event sources, which read their attributes through reflection (about 50 pieces of the executable).
  The service's metrics and traces go through OpenTelemetry (Meter, ActivitySource; /metrics lists the same series
  without it), so Webhook.csproj turns EventSource off for the AOT publish: the row "with EventSource" is the
  difference. The DI container's reflection (constructors, parameters, \`Array.CreateInstance\`) and generic virtual calls go
  through the runtime's type loader and metadata (about 50 pieces of read-only data); interface dispatch cells,
  written as calls resolve, about 80 pages. The anonymous memory is mostly the GC heap: once started, the service
  runs one full compacting GC that gives the start's garbage back (Operations/StartupGarbage.cs).
- The type loader. Options, their factories and monitors and loggers are generic types that the DI container makes
  at start; an AOT program builds each such type at run time unless it was compiled in. src/Webhook/NativeAot.rd.xml
  compiles in the about 90 that a start asks for (they were about a fifth of the CPU to ready).
- What the types are. The executable holds about 80,000 type descriptions; about 23,000 of them are the JSON
  metadata and generic instantiations of the about 250 Kubernetes model types that the service's own JSON context
  reaches (src/Webhook/Collect/KubernetesObjectJson.cs), and about 7,000 are Npgsql's (the PostgreSQL inbox). All of
  the Kubernetes part is worth at most 2.8 MB idle: a throwaway build whose context held only V1ConfigMap idled at
  41.1 MB against 43.9 MB (alternating starts, before the invoke-map order); slim models of the service's own for
  the fields it reads would keep part of that, and are not built. The
  client library's own serializer would bring every Kubernetes model: the service sends its few GETs itself and takes
  only the configuration and credentials from the library (before that change, commit 732244c, the service's rebuilt
  type data was 27.2 MB and it idled at 78-86 MB).

How to read it: the JIT rows start the runtime, load and JIT-compile ASP.NET Core, OpenTelemetry and the service at
every start (tiered compilation, ReadyToRun code of the framework); Native AOT starts compiled code and maps only
what it touches. The service runs the workstation GC (concurrent; Webhook.csproj), not the Server GC that ASP.NET Core
projects get by default: in a storm the Server GC's allocation budget took the image's peak RSS to 126-133 MB for a
live heap of about 12 MB (tests/bench/STORM.md). Idle, the two are within a few MB (this benchmark's previous run, on
the Server GC with DATAS, gave the image 46.2 MB); not concurrent, one heap, one GC thread or \`GCConserveMemory\` did
not make the idle AOT service smaller. DOTNET_GCHeapHardLimit caps the managed heap (an
OOM inside the process instead of the container's OOM kill), it does not make an idle process smaller. Timings come
from a machine other builds share: compare rows of one run.
REPORT
cat tests/bench/FOOTPRINT.md
