#!/usr/bin/env bash
# Regenerates src/Webhook/NativeAot.order, the list of methods a start of the service runs, which the Native AOT
# publish places together at the head of the executable's code (IlcOrderFile in Webhook.csproj; the data those
# methods use follows them). The list comes from a JIT run of the same sources, which compiles every method it runs:
# without ReadyToRun code and tiering, the JIT's summary (DOTNET_JitStdOutFile) names each method the start ran, in
# the order it first ran it. Those names are matched to the AOT executable's symbols (jit-to-ilc.py). The AOT-only code
# a start runs (the runtime's type loader, start-up and reflection paths, code the AOT compiler shaped differently) comes
# from `perf record` of a start of the AOT executable itself: page faults and CPU samples with their call chains, every
# frame of which was running (perf-methods.py; needs perf and the right to use it, else this part is left out).
# The AOT executable profiled is published with the current list, and the methods of the current list stay in the new
# one (FRESH=1 starts from nothing): a start laid out by the previous list faults on the pages that list did not
# cover, so each run finds methods the previous runs did not; after a large change, run it twice.
# When the list is stale (code changed since), the publish still works: the compiler skips names it does not find
# and places unlisted methods as before; only the start's pages are less packed (tests/bench/FOOTPRINT.md).
#   usage: [FRESH=1] tests/bench/order/make-order.sh [idle seconds=5]
set -euo pipefail
cd "$(dirname "$0")/../../.."
idle="${1:-5}"
work="$(mktemp -d)"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
port=$(shuf -i 20000-60000 -n 1)
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$(shuf -i 20000-60000 -n 1); done

# 1. The start as the footprint benchmark runs it (tests/bench/footprint.sh), on the JIT build, every method JIT-compiled.
dotnet build src/Webhook/Webhook.csproj -c Release -o "$work/jit" -v q -nologo >"$work/jit.log" 2>&1 || { cat "$work/jit.log"; exit 1; }
mkdir -p "$work/inbox"
env -C "$work/jit" DOTNET_ReadyToRun=0 DOTNET_TieredCompilation=0 DOTNET_JitDisasmSummary=1 \
  DOTNET_JitStdOutFile="$work/jit.txt" Inbox__Path="$work/inbox/inbox.db" Kubernetes__Enabled=false \
  Logging__LogLevel__Default=Warning ASPNETCORE_URLS="http://127.0.0.1:$port" dotnet Webhook.dll >"$work/service.log" 2>&1 &
pid=$!
until curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$port/readyz"; do
  kill -0 "$pid" 2>/dev/null || { cat "$work/service.log"; echo "the service exited"; exit 1; }
  sleep 0.1
done
sleep "$idle"
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""

# 2. The AOT executable as the image has it (with the current list), and its symbol names.
tests/bench/publish-aot.sh "$work/aot"
previous="$work/previous.order"
if [ "${FRESH:-0}" = 1 ] || [ ! -f src/Webhook/NativeAot.order ]; then : >"$previous"; else cp src/Webhook/NativeAot.order "$previous"; fi
nm -n "$work/aot/Webhook.dbg" >"$work/aot.nm"

# 3. An AOT start under perf: the page faults (one per 64 KB a start maps) and CPU samples, with call chains, until
# $idle s idle; the service is then killed (SIGKILL: no shutdown code in the samples).
: >"$work/faults.txt"; : >"$work/cpu.txt"
if command -v perf >/dev/null; then
  for event in "page-faults -c 1:faults" "cpu-clock -F 20000:cpu"; do
    rm -rf "$work/inbox"; mkdir -p "$work/inbox"
    env -C "$work/aot" Inbox__Path="$work/inbox/inbox.db" Kubernetes__Enabled=false Logging__LogLevel__Default=Warning \
      ASPNETCORE_URLS="http://127.0.0.1:$port" perf record -q -e ${event%%:*} -g -o "$work/${event#*:}.data" ./Webhook \
      >"$work/perf.log" 2>&1 &
    pid=$!
    until curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$port/readyz"; do
      kill -0 "$pid" 2>/dev/null || { cat "$work/perf.log"; echo "perf or the service exited"; exit 1; }
      sleep 0.02
    done
    sleep "$idle"
    for child in $(pgrep -P "$pid"); do [ "$(cat "/proc/$child/comm")" = Webhook ] && kill -KILL "$child"; done
    wait "$pid" 2>/dev/null || true; pid=""
    perf script -i "$work/${event#*:}.data" -F ip,sym >"$work/${event#*:}.txt" 2>/dev/null || true
  done
fi

# 3b. The methods of the reflection invoke map, whose unwind data every start reads (invoke-map.py says why): the
# entry addresses the runtime is asked about, seen by gdb (if it is installed) in one start to ready.
: >"$work/invoke.txt"
if command -v gdb >/dev/null; then
  rm -rf "$work/inbox"; mkdir -p "$work/inbox"
  printf '%s\n' 'set pagination off' 'set confirm off' 'handle all nostop noprint pass' \
    "set logging file $work/invoke-addresses.txt" 'set logging redirect on' 'set logging enabled on' \
    'break RhGetTargetOfUnboxingAndInstantiatingStub' 'commands 1' 'silent' 'printf "%lx\n", $rdi' 'cont' 'end' 'run' >"$work/gdb.cmd"
  env -C "$work/aot" Inbox__Path="$work/inbox/inbox.db" Kubernetes__Enabled=false Logging__LogLevel__Default=Warning \
    ASPNETCORE_URLS="http://127.0.0.1:$port" gdb -batch -x "$work/gdb.cmd" --args ./Webhook >"$work/gdb.log" 2>&1 &
  pid=$!
  until curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$port/readyz"; do
    kill -0 "$pid" 2>/dev/null || { cat "$work/gdb.log"; echo "gdb or the service exited"; exit 1; }
    sleep 0.1
  done
  # The service first (gdb, waiting on it, may not take a signal), then gdb ends with it.
  for child in $(pgrep -P "$pid"); do [ "$(cat "/proc/$child/comm")" = Webhook ] && kill -KILL "$child"; done
  wait "$pid" 2>/dev/null || true; pid=""
  python3 tests/bench/order/invoke-map.py "$work/aot.nm" "$work/invoke-addresses.txt" >"$work/invoke.txt"
fi

# 4. The runtime's start-up code first, then what AOT starts were seen running (the previous list's finds, then this
# run's), then the start's methods in the order the JIT run compiled them, then the invoke map's methods (not run at
# start: only their unwind data is read).
{
  grep -E ' [tT] (S_P_CoreLib_Internal_|S_P_TypeLoader_|S_P_CoreLib_System_Runtime_TypeLoaderExports)' "$work/aot.nm" | awk '{print $3}'
  cat "$previous"
  python3 tests/bench/order/perf-methods.py "$work/aot.nm" "$work/faults.txt" "$work/cpu.txt"
  python3 tests/bench/order/jit-to-ilc.py "$work/jit.txt" "$work/aot.nm"
  cat "$work/invoke.txt"
} | awk '!seen[$0]++' | grep -vxE '_start|_init|_fini|main' >src/Webhook/NativeAot.order
echo "src/Webhook/NativeAot.order: $(wc -l <src/Webhook/NativeAot.order) methods"
