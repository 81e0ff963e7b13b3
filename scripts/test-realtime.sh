#!/usr/bin/env bash
# test-realtime.sh GO TAG...: run the tests that build only with one of
# the tags (spandsp: the spandsp harness, calls in real time through cgo;
# realtime: calls on the simulated line at its real speed), without the
# race detector. make test runs every other test with -race; these calls
# keep the T.30 timers, which the race detector's slow-down would make
# them miss, and spend their time waiting for the line.
set -euo pipefail
GO=${1:-go}
shift || true
[ $# -gt 0 ] || set -- spandsp
cd "$(dirname "$0")/.."
list() { "$GO" list "$@" -f '{{range .TestGoFiles}}{{$.Dir}}/{{.}}{{"\n"}}{{end}}{{range .XTestGoFiles}}{{$.Dir}}/{{.}}{{"\n"}}{{end}}' ./... | sort; }
# The tests each tag adds, by tag and package ("TAG DIR").
declare -A names=()
for tag in "$@"; do
  mapfile -t files < <(comm -13 <(list) <(list -tags "$tag"))
  for f in "${files[@]}"; do
    k="$tag ./$(realpath --relative-to=. "$(dirname "$f")")"
    for n in $(grep -oE '^func (Test|Example|Fuzz)[A-Za-z0-9_]*' "$f" | cut -d' ' -f2); do
      names[$k]+="${names[$k]:+|}$n"
    done
  done
done
[ ${#names[@]} -gt 0 ] || { echo "test-realtime.sh: no tests tagged $*" >&2; exit 1; }
mapfile -t keys < <(printf '%s\n' "${!names[@]}" | sort)
# Build first (running no test), so that compiling does not load the CPU
# under the calls; then each tag's tests of each package run side by
# side: their calls spend their time waiting for the line, not computing.
for tag in "$@"; do
  pkgs=$(printf '%s\n' "${keys[@]}" | awk -v t="$tag" '$1 == t {print $2}')
  [ -z "$pkgs" ] || "$GO" test -count=1 -tags "$tag" -run '^$' $pkgs >/dev/null
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for i in "${!keys[@]}"; do
  read -r tag d <<<"${keys[$i]}"
  {
    rc=0
    "$GO" test -count=1 -tags "$tag" -run "^(${names[${keys[$i]}]})\$" "$d/" >"$out/$i" 2>&1 || rc=$?
    echo $rc >"$out/$i.rc"
  } &
done
wait
status=0
for i in "${!keys[@]}"; do
  read -r tag d <<<"${keys[$i]}"
  echo "go test -tags $tag -run '^(${names[${keys[$i]}]})\$' $d/"
  cat "$out/$i"
  [ "$(cat "$out/$i.rc")" = 0 ] || status=1
done
exit $status
