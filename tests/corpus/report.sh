#!/usr/bin/env bash
# Writes tests/corpus/REPORT.md: cause accuracy and specifics share per split, calibration, misses.
# The test run itself never writes it (tests do not rewrite tracked files).
set -euo pipefail
cd "$(dirname "$0")/../.."
WEBHOOK_CORPUS_REPORT="$PWD/tests/corpus/REPORT.md" \
  dotnet test tests/Webhook.Tests --filter "FullyQualifiedName~CorpusTests" -v q -nologo "$@" || true
echo "wrote tests/corpus/REPORT.md"
