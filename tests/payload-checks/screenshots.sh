#!/usr/bin/env bash
# Rewrites docs/cards/*.png: one Teams card per cause and the storm digest, rendered by the adaptivecards package
# in headless Chromium. The test run never writes them (they are tracked files); run this after changing what a
# card shows, look at the pictures, and commit them.
set -euo pipefail
cd "$(dirname "$0")/../.."

bash tests/setup/payload-checks.sh
# REQUIRE_TOOLS turns a missing tool into a failure instead of a skip that would write nothing.
WEBHOOK_WRITE_SCREENSHOTS=1 WEBHOOK_TESTS_REQUIRE_TOOLS=1 \
  dotnet test tests/Webhook.Tests --nologo \
  --filter "FullyQualifiedName~PayloadCheckTests.TeamsCardsArePhotographedIntoDocsOnlyWhenAskedFor"
git status --short docs/cards
