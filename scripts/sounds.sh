#!/bin/sh
# sounds.sh makes the built-in alert sounds of board/sound (run once; the
# small MP3 files are committed): short chimes synthesised with sox and
# encoded with lame: mono, 32 kHz, 32 kbit/s (MPEG-1: go-mp3 garbles the
# MPEG-2 of lower rates).
# Needs the Debian packages sox and lame.
set -eu
out=${1:-$(dirname "$0")/../board/sound/sounds}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

# note FILE SECONDS FREQ: one chime note, a sine struck and fading out,
# peaking at -3 dBFS.
note() {
	sox -q -n -r 32000 -c 1 -b 16 "$1" synth "$2" sine "$3" gain -n -3 fade q 0.005 "$2" 0.18
}

# chime NAME FREQ...: the notes one after the other.
chime() {
	name=$1
	shift
	i=0
	for f in "$@"; do
		note "$tmp/$name-$i.wav" 0.22 "$f"
		i=$((i + 1))
	done
	sox -q "$tmp/$name"-*.wav "$tmp/$name.wav" pad 0 0.05
	lame --quiet -m m -b 32 --resample 32 "$tmp/$name.wav" "$out/$name.mp3"
}

chime delivered 659 880        # rising fourth: done
chime failed 440 330 262       # falling: something went wrong
chime received 523 659 784     # rising triad: something arrived
chime low-credit 880 880 880   # three equal beeps: attention
ls -l "$out"
