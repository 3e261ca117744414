#!/usr/bin/env bash
# Runs an installed lightbox once as the desk: starts `lightbox serve` on a fresh work folder,
# opens the printed address with its token (the redirect sets the cookie), checks the desk's page
# and its state API answer, and stops it. Usage: bash packaging/smoke.sh [BINARY]
set -euo pipefail
bin="${1:-lightbox}"
tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
"$bin" --lang zh serve "$tmp/work" --no-browser >"$tmp/out" 2>&1 &
pid=$!
for _ in $(seq 100); do
  grep -q '^http://' "$tmp/out" && break
  sleep 0.1
done
url=$(grep '^http://' "$tmp/out")
python3 - "$url" <<'PY'
import http.cookiejar, json, sys, urllib.request
url = sys.argv[1]
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
page = opener.open(url, timeout=10).read().decode()
assert "照片整理" in page, "the desk's page is not there"
base = url.split("/?")[0]
state = json.loads(opener.open(base + "/api/state", timeout=10).read())
assert state["job"]["running"] is False and state["report"] is None, state
try:
    urllib.request.urlopen(base + "/api/state", timeout=10)
    raise SystemExit("the desk answered without its token")
except urllib.error.HTTPError as e:
    assert e.code == 403, e.code
print(f"desk ok at {base}: page, state, and a request without the token refused")
PY
