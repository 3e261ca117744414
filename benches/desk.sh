#!/usr/bin/env bash
# What the desk costs on a large work folder: `lightbox serve` over WORK (made by `lightbox run`,
# e.g. by benches/archive.sh, or over any archive), then the desk's state (`/api/state`), the
# review page (`/review/`, made per request from report.json with the catalog's decisions) and a
# decision saved, each timed best of 3 (and the first state, which reads the report, once); the
# page's size; the desk's peak memory (VmHWM) after them. The reference, in the same run: Python's `json.load` of the same report.json, best of 3.
#
#   bash benches/desk.sh WORK [LIGHTBOX]    (LIGHTBOX: default target/release/lightbox)
#
# WORK is only read, except the one decision saved and taken back in its catalog.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:?usage: bash benches/desk.sh WORK [LIGHTBOX]}
bin=${2:-${CARGO_TARGET_DIR:-target}/release/lightbox}
[ -x "$bin" ] || { echo "no $bin: cargo build --release first" >&2; exit 2; }
[ -f "$work/report.json" ] || { echo "$work holds no report.json: lightbox run first" >&2; exit 2; }

log=$(mktemp)
jar=$(mktemp)
trap 'kill "$pid" 2>/dev/null || true; rm -f "$log" "$jar"' EXIT
"$bin" --lang zh serve "$work" --no-browser >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
    url=$(grep -o 'http://127.0.0.1:[0-9]*/?token=[0-9a-f]*' "$log" | head -1 || true)
    [ -n "$url" ] && break
    sleep 0.1
done
[ -n "$url" ] || { cat "$log" >&2; exit 1; }
origin=${url%%/\?*}
token=${url##*token=}
# The token becomes a cookie.
curl -s -o /dev/null -c "$jar" "$url"

best() { # best of 3, in seconds, of the command given
    local best=
    for _ in 1 2 3; do
        local t0 t1
        t0=$(date +%s.%N)
        "$@" >/dev/null
        t1=$(date +%s.%N)
        best=$(python3 -c "t=$t1-$t0; b='$best'; print(min(t, float(b)) if b else t)")
    done
    printf '%.3f' "$best"
}
get() { curl -sf -b "$jar" -H "Host: ${origin#http://}" "$origin$1"; }

photos=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['summary']['files'])" "$work/report.json")
reference=$(best python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$work/report.json")
# The first state reads the report (its overview is then kept until report.json changes).
t0=$(date +%s.%N); get /api/state >/dev/null; t1=$(date +%s.%N)
first=$(python3 -c "print(f'{$t1-$t0:.3f}')")
state=$(best get /api/state)
page=$(best get /review/)
bytes=$(get /review/ | wc -c)
content=$(python3 - "$work/report.json" <<'PY'
import json, sys
items = json.load(open(sys.argv[1]))["items"]
print(next(i["photo"]["content"] for i in items if i.get("photo")))
PY
)
change() {
    curl -sf -b "$jar" -H "X-Lightbox-Token: $token" -H "Origin: $origin" \
        -H 'Content-Type: application/json' -X POST "$origin/api/decisions" \
        --data "{\"client\":\"bench\",\"changes\":[{\"op\":\"verdict\",\"content\":\"$content\",\"path\":\"bench\",\"decision\":$1}]}"
}
save=$(best change '"reject"')
change null >/dev/null
peak=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
ratio() { python3 -c "print(f'{$1/$reference:.2f}x')"; }
echo "work folder: $work ($photos files; report.json $(du -h "$work/report.json" | cut -f1))"
printf '%-34s %8s %10s\n' "" seconds "vs json.load"
printf '%-34s %8s %10s\n' "python json.load of report.json" "$reference" 1.00x
printf '%-34s %8s %10s\n' "GET /api/state, first" "$first" "$(ratio "$first")"
printf '%-34s %8s %10s\n' "GET /api/state, then" "$state" "$(ratio "$state")"
printf '%-34s %8s %10s\n' "GET /review/ ($((bytes / 1000000)) MB)" "$page" "$(ratio "$page")"
printf '%-34s %8s %10s\n' "POST /api/decisions (one change)" "$save" "$(ratio "$save")"
echo "desk peak memory (VmHWM): $((peak / 1024)) MB"
