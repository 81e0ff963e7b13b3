#!/usr/bin/env bash
# test-realtime.sh GO TAG: run the tests that build only with the tag TAG
# (the spandsp harness: calls in real time through cgo), without the race
# detector. make test runs every other test with -race; these calls keep
# the T.30 timers against a real peer, which the race detector's slow-down
# would make them miss.
set -euo pipefail
GO=${1:-go}
TAG=${2:-spandsp}
cd "$(dirname "$0")/.."
list() { "$GO" list "$@" -f '{{range .TestGoFiles}}{{$.Dir}}/{{.}}{{"\n"}}{{end}}{{range .XTestGoFiles}}{{$.Dir}}/{{.}}{{"\n"}}{{end}}' ./... | sort; }
# The test files that the tag adds.
mapfile -t files < <(comm -13 <(list) <(list -tags "$TAG"))
declare -A names=()
for f in "${files[@]}"; do
  d=./$(realpath --relative-to=. "$(dirname "$f")")
  for n in $(grep -oE '^func (Test|Example|Fuzz)[A-Za-z0-9_]*' "$f" | cut -d' ' -f2); do
    names[$d]+="${names[$d]:+|}$n"
  done
done
[ ${#names[@]} -gt 0 ] || { echo "test-realtime.sh: no tests tagged $TAG" >&2; exit 1; }
pkgs=$(printf '%s\n' "${!names[@]}" | sort)
# Build first (running no test), so that compiling does not load the CPU
# under the calls; then the packages run side by side: their calls spend
# their time waiting for the line, not computing.
"$GO" test -count=1 -tags "$TAG" -run '^$' $pkgs >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
i=0
for d in $pkgs; do
  i=$((i + 1))
  {
    rc=0
    "$GO" test -count=1 -tags "$TAG" -run "^(${names[$d]})\$" "$d/" >"$out/$i" 2>&1 || rc=$?
    echo $rc >"$out/$i.rc"
  } &
done
wait
status=0
i=0
for d in $pkgs; do
  i=$((i + 1))
  echo "go test -tags $TAG -run '^(${names[$d]})\$' $d/"
  cat "$out/$i"
  [ "$(cat "$out/$i.rc")" = 0 ] || status=1
done
exit $status
