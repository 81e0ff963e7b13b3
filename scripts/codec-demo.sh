#!/usr/bin/env bash
# codec-demo.sh FAXD: what `make run` does until the daemon exists: code
# the eight ITU test charts with faxd in MH, MR and MMR, decode them back,
# check the bitmaps are identical and show the compression.
set -euo pipefail
faxd=$(readlink -f "$1")
out=${OUT:-var/codec-demo}
mkdir -p "$out"
echo "Faxbox codec demo (the appliance daemon is not built yet): coding the ITU charts into $out/"
"$(dirname "$0")/charts.sh" "$out"
raw=$(stat -c %s "$out/charts.tif")
"$faxd" decode "$out/charts.tif" "$out/charts.pbm"
for spec in "mh" "mr --k 4" "mmr"; do
  set -- $spec
  "$faxd" encode --coding $spec "$out/charts.tif" "$out/charts-$1.tif"
  "$faxd" decode "$out/charts-$1.tif" "$out/back-$1.pbm"
  cmp -s "$out/charts.pbm" "$out/back-$1.pbm" && same=identical || same=DIFFERENT
  size=$(stat -c %s "$out/charts-$1.tif")
  printf '  %-4s %8d bytes  %5.1f:1  decoded back: %s\n' "$1" "$size" "$(echo "$raw / $size" | bc -l)" "$same"
done
echo "Open $out/charts-mmr.tif in any TIFF viewer; 'faxd help' lists the commands."
