#!/usr/bin/env bash
# bench-render.sh FAXD: time `faxd render` on a 10-page and a 50-page text
# PDF against Ghostscript alone turning the same PDF into a G3 fax TIFF
# (gs -sDEVICE=tiffg3, one run), time it on a 4000x3000 photograph (JPEG),
# and measure peak memory (maximum resident set size) on the 50-page PDF.
# Whole processes, RUNS runs each, median wall time. faxd renders at fine
# resolution (204x196 dpi, as gs's tiffg3 does) with its header line and
# without the cover page, so that both write the same pages.
# The goals: ratio within 1.2, peak memory under 64 MiB.
#
# Photographs: real camera photographs (the scikit-image sample pictures
# astronaut, coffee, chelsea, motorcycle_left and rocket, taken from the
# Debian package python3-skimage, downloaded and unpacked here, not
# installed), made JPEGs by ImageMagick, each placed on an A4 page of a PDF
# and also attached directly. For each, the MMR bytes of the page faxd
# codes at standard and fine against gs -sDEVICE=tiffg4 of the same PDF
# page (goal: at most 1.0x), and faxd's time on 10- and 50-page PDFs of
# them against gs alone (goal: within 1.2x). TestPhotoHalftone in
# pages/render checks that the halftone stays as close to the grey page
# as Ghostscript's when blurred.
set -euo pipefail
faxd=$(readlink -f "${1:-bin/faxd}")
runs=${RUNS:-9}
im=/usr/bin/convert-im6.q16 # Debian's ImageMagick, not a convert earlier in PATH
for t in gs /usr/bin/time tiffdump $im; do
  command -v "$t" >/dev/null || { echo "bench-render: $t is missing (Debian packages ghostscript, time, libtiff-tools, imagemagick)" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# text_ps N: PostScript for N A4 pages of text and a rule.
text_ps() {
  echo '%!PS'
  for ((i = 1; i <= $1; i++)); do
    echo '<< /PageSize [595 842] >> setpagedevice /Helvetica findfont 11 scalefont setfont'
    for ((l = 0; l < 60; l++)); do
      echo "56 $((780 - l * 12)) moveto (Page $i line $l: The quick brown fox jumps over the lazy dog; 0123456789.) show"
    done
    echo '2 setlinewidth 56 40 moveto 540 40 lineto stroke showpage'
  done
}
for n in 10 50; do
  text_ps $n >"$work/t$n.ps"
  gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -o "$work/t$n.pdf" "$work/t$n.ps"
done
# A 4000x3000 "photograph": smooth radial shading with discs over it.
cat >"$work/photo.ps" <<'EOF'
%!PS
<< /ShadingType 3 /ColorSpace /DeviceRGB /Coords [300 200 20 500 400 600]
   /Function << /FunctionType 2 /Domain [0 1] /C0 [1 0.9 0.6] /C1 [0.1 0.2 0.5] /N 1 >>
   /Extend [true true] >> shfill
0 1 40 { /i exch def i 40 div dup 1 exch sub 0.5 setrgbcolor
  i 37 mul 960 mod i 53 mul 720 mod 30 0 360 arc fill } for
showpage
EOF
gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=jpeg -dJPEGQ=90 -g4000x3000 -r300 \
  -o "$work/photo.jpg" "$work/photo.ps"

# Real photographs from Debian's python3-skimage package.
(cd "$work" && apt-get download -qq python3-skimage >/dev/null 2>&1) ||
  { echo "bench-render: apt-get download python3-skimage failed" >&2; exit 1; }
dpkg-deb -x "$work"/python3-skimage_*.deb "$work/skimage"
sk=$(echo "$work"/skimage/usr/lib/python3/dist-packages/skimage/data)
photos=(astronaut coffee chelsea motorcycle_left rocket)
# photo_ps NAME...: PostScript placing each JPEG on an A4 page, DCT-coded.
photo_ps() {
  echo '%!PS'
  for n in "$@"; do
    read -r w h < <($im identify -format '%w %h\n' "$work/$n.jpg" 2>/dev/null || identify -format '%w %h\n' "$work/$n.jpg")
    echo "<< /PageSize [595 842] >> setpagedevice /DeviceRGB setcolorspace gsave"
    echo "40 150 translate 515 $((515 * h / w)) scale"
    echo "<< /ImageType 1 /Width $w /Height $h /BitsPerComponent 8 /Decode [0 1 0 1 0 1]"
    echo "   /ImageMatrix [$w 0 0 -$h 0 $h] /DataSource ($work/$n.jpg) (r) file /DCTDecode filter >> image"
    echo "grestore showpage"
  done
}
to_pdf() { gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pdfwrite --permit-file-read="$work/" -o "$2" "$1"; }
for n in "${photos[@]}"; do
  f=$sk/$n.png
  [ -f "$f" ] || f=$sk/$n.jpg
  $im "$f" -quality 90 "$work/$n.jpg"
  photo_ps "$n" >"$work/$n.ps"
  to_pdf "$work/$n.ps" "$work/$n.pdf"
done
for k in 10 50; do
  list=()
  for ((i = 0; i < k; i++)); do list+=("${photos[i % ${#photos[@]}]}"); done
  photo_ps "${list[@]}" >"$work/p$k.ps"
  to_pdf "$work/p$k.ps" "$work/p$k.pdf"
done

# strip_bytes TIFF: the coded bytes of its first page.
strip_bytes() { tiffdump "$1" | awk '/StripByteCounts/ {sub(/.*</, ""); sub(/>.*/, ""); n=split($0, a, ","); s=0; for (i = 1; i <= n; i++) s+=a[i]; print s; exit}'; }

echo "MMR bytes of one page: faxd render (no cover, no header line) against gs -sDEVICE=tiffg4 of the same PDF page"
printf '%-18s %-9s %9s %9s %6s %11s\n' photograph res "faxd pdf" "gs pdf" ratio "faxd jpeg"
for n in "${photos[@]}"; do
  for r in standard:204x98 fine:204x196; do
    res=${r%%:*} dpi=${r#*:}
    "$faxd" render --no-cover --no-header --resolution "$res" --out "$work/o.tif" "$work/$n.pdf" >/dev/null
    "$faxd" render --no-cover --no-header --resolution "$res" --out "$work/j.tif" "$work/$n.jpg" >/dev/null
    gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=tiffg4 -r"$dpi" -o "$work/g.tif" "$work/$n.pdf"
    o=$(strip_bytes "$work/o.tif") g=$(strip_bytes "$work/g.tif") j=$(strip_bytes "$work/j.tif")
    printf '%-18s %-9s %9d %9d %6.2f %11d\n' "$n" "$res" "$o" "$g" "$(echo "$o / $g" | bc -l)" "$j"
  done
done
echo

. "$(dirname "$0")/timing.sh"

# maxrss_mib CMD...: the "Maximum resident set size" of CMD in MiB (the
# largest of the process and the children it waited for).
maxrss_mib() {
  /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F: '/Maximum resident set size/ {printf "%.1f", $2/1024}'
}

# own_hwm_mib CMD...: the peak resident set (VmHWM) of CMD's own process,
# without its children, sampled every 2 ms until it ends.
own_hwm_mib() {
  "$@" >/dev/null 2>&1 &
  local pid=$! hwm=0 v
  while v=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null) && [ -n "$v" ]; do
    hwm=$v
    sleep 0.002
  done
  wait "$pid" || true
  awk -v k="$hwm" 'BEGIN {printf "%.1f", k/1024}'
}

faxd_render=("$faxd" render --no-cover --resolution fine --out "$work/out.tif")
gs_tiffg3=(gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=tiffg3 -r204x196 -o "$work/gs.tif")

printf '%-28s %10s %10s %7s\n' "input" "faxd ms" "gs ms" ratio
for n in 10 50; do
  f=$(median_ms "${faxd_render[@]}" "$work/t$n.pdf")
  g=$(median_ms "${gs_tiffg3[@]}" "$work/t$n.pdf")
  printf '%-28s %10s %10s %7.2f\n' "PDF, $n pages of text" "$f" "$g" "$(echo "$f / $g" | bc -l)"
done
for n in 10 50; do
  f=$(median_ms "${faxd_render[@]}" "$work/p$n.pdf")
  g=$(median_ms "${gs_tiffg3[@]}" "$work/p$n.pdf")
  printf '%-28s %10s %10s %7.2f\n' "PDF, $n photo pages" "$f" "$g" "$(echo "$f / $g" | bc -l)"
done
j=$(median_ms "${faxd_render[@]}" "$work/photo.jpg")
printf '%-28s %10s %10s %7s\n' "JPEG, 4000x3000 photograph" "$j" "-" "-"
echo "(median of $runs runs; whole processes including start-up and file I/O)"
echo
echo "Peak memory (maximum resident set size), MiB:"
printf '  %-50s %6s\n' "faxd render, 50-page PDF (faxd and its gs child)" "$(maxrss_mib "${faxd_render[@]}" "$work/t50.pdf")"
printf '  %-50s %6s\n' "  faxd's own process" "$(own_hwm_mib "${faxd_render[@]}" "$work/t50.pdf")"
printf '  %-50s %6s\n' "gs -sDEVICE=tiffg3 alone, 50-page PDF" "$(maxrss_mib "${gs_tiffg3[@]}" "$work/t50.pdf")"
printf '  %-50s %6s\n' "faxd render, 4000x3000 JPEG" "$(maxrss_mib "${faxd_render[@]}" "$work/photo.jpg")"
