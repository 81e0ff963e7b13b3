#!/usr/bin/env bash
# bench-codec.sh FAXD: time `faxd encode` against libtiff's tiffcp coding
# the same 8-page uncompressed TIFF (the ITU charts) in MH, MR and MMR.
# Whole processes, RUNS runs each, median wall time; prints the ratio
# (faxd / tiffcp: below 1 means faxd is faster) and the coded sizes.
set -euo pipefail
faxd=$(readlink -f "$1")
runs=${RUNS:-15}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$(dirname "$0")/charts.sh" "$work"
in=$work/charts.tif

. "$(dirname "$0")/timing.sh"

printf '%-6s %12s %12s %8s %14s %14s\n' coding "faxd ms" "tiffcp ms" ratio "faxd bytes" "tiffcp bytes"
for spec in "mh:g3" "mr:g3:2d" "mmr:g4"; do
  coding=${spec%%:*}
  tc=${spec#*:}
  extra=()
  [ "$coding" = mr ] && extra=(--k 4)
  f=$(median_ms "$faxd" encode --coding "$coding" "${extra[@]}" "$in" "$work/faxd-$coding.tif")
  # One strip per page, as faxd writes it.
  l=$(median_ms tiffcp -c "$tc" -r 100000 "$in" "$work/tiffcp-$coding.tif")
  fs=$(stat -c %s "$work/faxd-$coding.tif")
  ls=$(stat -c %s "$work/tiffcp-$coding.tif")
  printf '%-6s %12s %12s %8.2f %14s %14s\n' "$coding" "$f" "$l" "$(echo "$f / $l" | bc -l)" "$fs" "$ls"
done
echo "(8 pages, 1728x2376; median of $runs runs; whole process including file I/O)"
