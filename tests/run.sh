#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run): installs what the tests need when it is missing,
# runs every test project, and ends with one line "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# Real Alertmanager (and Prometheus) for the end-to-end tests.
if ! command -v prometheus-alertmanager >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
  echo "Installing Debian's prometheus-alertmanager and prometheus..."
  as_root apt-get update -qq >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus-alertmanager prometheus >/dev/null \
    || { echo "could not install prometheus-alertmanager/prometheus"; echo "0 passed, 1 failed"; exit 1; }
fi
# The tests start their own Alertmanager and Prometheus on free loopback ports (and Alertmanager with gossip off),
# so packaged daemons already running on 9090/9093/9094 are no obstacle: they are left alone.

# Real PostgreSQL for the shared inbox's tests: they initdb into a temporary folder and start their own server on a
# free loopback port (tests/Webhook.Tests/Support/PostgresServer.cs), so only the binaries are needed. The package's
# own cluster service, when apt starts one, is left alone.
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "Installing Debian's postgresql..."
  as_root apt-get update -qq >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null \
    || { echo "could not install postgresql"; echo "0 passed, 1 failed"; exit 1; }
fi

# Each tests/setup/*.sh installs one more thing the tests need (Node packages, Chromium...), idempotently.
for setup in tests/setup/*.sh; do
  [ -e "$setup" ] || continue
  echo "Running $setup"
  bash "$setup" || { echo "$setup failed"; echo "0 passed, 1 failed"; exit 1; }
done

# kubectl renders the deploy/ manifests with its kustomize (Debian's kubernetes-client: kubectl 1.20, kustomize v2.0.3).
if ! command -v kubectl >/dev/null 2>&1; then
  echo "Installing Debian's kubernetes-client (kubectl)..."
  as_root apt-get update -qq >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kubernetes-client >/dev/null \
    || { echo "could not install kubernetes-client"; echo "0 passed, 1 failed"; exit 1; }
fi

# The container image's build step (Dockerfile) runs this same publish with -p:PublishAot=true; no container engine
# runs here. The Native AOT compile takes minutes on 2 cores (over 10 for the whole run with both cores busy), so CI
# publishes the same project without it: every build already runs the trim and AOT analyzers with warnings as
# errors. WEBHOOK_CI_AOT=1 publishes exactly as the image does.
publish="$(mktemp -d)"
aot=()
if [ "${WEBHOOK_CI_AOT:-0}" = "1" ]; then aot=(-p:PublishAot=true); fi
if ! dotnet publish src/Webhook/Webhook.csproj -c Release -o "$publish" "${aot[@]}" -v q -nologo >"$publish.log" 2>&1; then
  cat "$publish.log"; echo "dotnet publish failed"; echo "0 passed, 1 failed"; exit 1
fi
rm -rf "$publish" "$publish.log"

# The tools are installed now: tests that need them must run, not skip.
export WEBHOOK_TESTS_REQUIRE_TOOLS=1
results="$(mktemp -d)"
dotnet test Webhook.sln --logger "trx" --results-directory "$results" --logger "console;verbosity=normal" 2>&1 \
  | grep -vE '^\s*$' | grep -vE '^\s+Passed ' ; status=${PIPESTATUS[0]}

passed=0; failed=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -1)"
  p="$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  f="$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
rm -rf "$results"

echo "$passed passed, $failed failed"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then exit 1; fi
