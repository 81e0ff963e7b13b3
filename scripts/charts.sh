#!/usr/bin/env bash
# charts.sh DIR: decode the eight ITU test charts from Debian's
# jbigkit-testdata into DIR/ccittN.pbm (1728 x 2376) and assemble them as
# one uncompressed multipage TIFF, DIR/charts.tif.
set -euo pipefail
dir=$1
mkdir -p "$dir"
srcs=()
for n in 1 2 3 4 5 6 7 8; do
  jbgtopbm "/usr/share/jbigkit-testdata/ccitt$n.jbg" "$dir/ccitt$n.pbm"
  rm -f "$dir/ccitt$n.tif"
  pamtotiff -none -miniswhite -xresolution 204 -yresolution 196 \
    -output "$dir/ccitt$n.tif" "$dir/ccitt$n.pbm" 2>/dev/null
  srcs+=("$dir/ccitt$n.tif")
done
rm -f "$dir/charts.tif"
tiffcp -c none "${srcs[@]}" "$dir/charts.tif"
