#!/usr/bin/env bash
# bench-daemon.sh FAXD: start-up to ready, idle RSS, and RSS while sending
# on one and on two modems at once, of `faxd serve --demo` (simulated
# lines in real time). Start-up is measured from exec until the API
# answers; RSS is read from /proc. Documents are rendered in a child
# process: its peak (from the daemon's log, child_peak_kib) is reported
# apart from the daemon's.
set -euo pipefail
faxd=$(readlink -f "$1")
runs=${RUNS:-7}
work=$(mktemp -d)
port=${PORT:-18931}
trap 'pkill -f "faxd serve --demo --listen 127.0.0.1:$port" 2>/dev/null || true; rm -rf "$work"' EXIT

rss_mib() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
# hwm_mib: the most RSS the process ever had (VmHWM), rendering included.
hwm_mib() { awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }

# start [LINES]: run faxd serve in $work, wait until /api/ answers; print
# the pid and the microseconds it took.
start() {
  local s e pid
  rm -rf "$work/var"
  s=$(date +%s%N)
  (cd "$work" && exec "$faxd" serve --demo --demo-lines "${1:-1}" --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1) &
  pid=$!
  until curl -sk -o /dev/null "https://127.0.0.1:$port/api/account"; do sleep 0.005; done
  e=$(date +%s%N)
  echo "$pid $(((e - s) / 1000))"
}

times=()
for ((i = 0; i < runs; i++)); do
  read -r pid us < <(start)
  times+=("$us")
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}')

printf 'P4\n1728 2200\n' >"$work/page.pbm"
head -c $((216 * 2200)) /dev/urandom | tr '\000-\377' '\000\000\000\000\000\000\000\377' >>"$work/page.pbm"

# sending LINES TO: start faxd on LINES modems, note the idle RSS, send one
# message with a noisy page to the numbers TO, and print the idle RSS, the
# peak RSS over 30 s of calls (sampled from the moment the message is
# accepted), and the high-water mark (which includes rendering the
# message during the request).
sending() {
  local pid idle peak r token hwm
  read -r pid _ < <(start "$1")
  sleep 1
  idle=$(rss_mib "$pid")
  token=$(awk '/API token/ {print $3}' "$work/serve.log")
  curl -sk -H "Authorization: Bearer $token" -F "to=$2" -F subject=bench \
    -F 'body=Benchmark fax.' -F "files=@$work/page.pbm" "https://127.0.0.1:$port/api/messages" >/dev/null
  peak=0
  for ((i = 0; i < 60; i++)); do
    r=$(rss_mib "$pid")
    peak=$(awk -v a="$peak" -v b="$r" 'BEGIN {print (b > a) ? b : a}')
    sleep 0.5
  done
  hwm=$(hwm_mib "$pid")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  child=$(awk 'match($0, /child_peak_kib=[0-9]+/) {v = substr($0, RSTART + 15, RLENGTH - 15) + 0; if (v > m) m = v} END {printf "%.1f", m / 1024}' "$work/serve.log")
  echo "$idle $peak $hwm $child"
}

read -r idle peak hwm child < <(sending 1 '+32 2 555 12 12')
read -r idle2 peak2 hwm2 child2 < <(sending 2 '+32 2 555 12 12, +32 2 555 12 13')

printf 'start-up to ready (API answers), median of %d: %s ms\n' "$runs" "$median"
printf 'RSS idle: %s MiB (two modems: %s MiB)\n' "$idle" "$idle2"
printf 'RSS while sending on one modem (peak over 30 s of a call): %s MiB; highest ever, rendering included: %s MiB\n' "$peak" "$hwm"
printf 'RSS while sending on two modems at once (peak over 30 s): %s MiB; highest ever, rendering included: %s MiB\n' "$peak2" "$hwm2"
printf 'render child peak RSS (a process of its own): %s MiB (two recipients: %s MiB)\n' "$child" "$child2"
