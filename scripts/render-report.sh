#!/usr/bin/env bash
# Render an HTML report (da4ml report -o FILE.html) to a PNG in a real headless browser, to look at it.
#   scripts/render-report.sh REPORT.html OUT.png [WIDTH [HEIGHT]]
# The browser: $CHROMIUM, else chromium / chromium-browser / google-chrome on PATH; Debian's chromium is
# installed with apt-get when none is found and we are root. No network is needed to render: the report is
# one self-contained file.
set -euo pipefail
html="${1:?usage: render-report.sh REPORT.html OUT.png [WIDTH [HEIGHT]]}"
png="${2:?usage: render-report.sh REPORT.html OUT.png [WIDTH [HEIGHT]]}"
width="${3:-1280}"
height="${4:-2400}"
[ -f "$html" ] || { echo "render-report: $html does not exist" >&2; exit 2; }

find_browser() {
  if [ -n "${CHROMIUM:-}" ]; then command -v "$CHROMIUM" && return; fi
  for b in chromium chromium-browser google-chrome; do command -v "$b" && return; done
  return 1
}
if ! browser="$(find_browser)"; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "render-report: installing chromium (apt-get install -y chromium)" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    browser="$(find_browser)"
  else
    echo "render-report: no Chromium found; install it (sudo apt-get install chromium) or set CHROMIUM=/path" >&2
    exit 1
  fi
fi

profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
abs="$(cd "$(dirname "$html")" && pwd)/$(basename "$html")"
rm -f "$png"
# --no-sandbox: Chromium refuses to run as root otherwise; the profile is a throwaway directory
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --disable-extensions \
  --user-data-dir="$profile" --window-size="${width},${height}" --screenshot="$png" "file://$abs" \
  >"$profile/chromium.log" 2>&1 || { cat "$profile/chromium.log" >&2; exit 1; }
[ -s "$png" ] || { echo "render-report: $browser wrote no $png" >&2; cat "$profile/chromium.log" >&2; exit 1; }
echo "render-report: $png (${width}x${height}, $("$browser" --version 2>/dev/null || echo "$browser"))"
