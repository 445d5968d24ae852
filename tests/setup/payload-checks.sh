#!/usr/bin/env bash
# Installs what tests/Webhook.Tests/Notify/PayloadCheckTests needs: Chromium (Debian package) for the
# adaptivecards renderer, and the npm packages of tests/payload-checks (@slack/types, typescript, adaptivecards).
# tests/payload-checks/screenshots.sh runs it too before rewriting docs/cards.
# Idempotent: does nothing when everything is there.
set -euo pipefail
cd "$(dirname "$0")/../payload-checks"

apt_install() {
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "payload-checks: installing nodejs and npm"
  apt_install nodejs npm
fi
if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
  echo "payload-checks: installing chromium"
  apt_install chromium
fi
# Only for the screenshots under docs/cards: the cards' status icons are emoji.
if [ ! -d /usr/share/fonts/truetype/noto ] || ! ls /usr/share/fonts/truetype/noto 2>/dev/null | grep -qi emoji; then
  echo "payload-checks: installing an emoji font"
  apt_install fonts-noto-color-emoji || echo "payload-checks: no emoji font; screenshots will show boxes for icons"
fi
if [ ! -d node_modules/@slack/types ] || [ ! -d node_modules/adaptivecards ] || [ ! -d node_modules/typescript ]; then
  echo "payload-checks: installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "payload-checks: ready (node $(node --version), $(chromium --version 2>/dev/null || chromium-browser --version))"
