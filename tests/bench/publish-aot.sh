#!/usr/bin/env bash
# Publishes the service as the image's build step does (Dockerfile: Native AOT, Release) into OUT, for the benchmarks
# that measure the shipped executable (tests/bench/footprint.sh, tests/bench/storm.sh). The compiler's log goes to
# OUT.log and is printed only when the publish fails.
#   usage: tests/bench/publish-aot.sh OUT
set -euo pipefail
cd "$(dirname "$0")/../.."
out="$1"
dotnet publish src/Webhook/Webhook.csproj -c Release -o "$out" -p:PublishAot=true -v q -nologo >"$out.log" 2>&1 \
  || { cat "$out.log"; exit 1; }
