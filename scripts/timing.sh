# timing.sh: shell functions shared by the benchmark scripts (sourced).

# median_ms CMD...: run CMD $runs times (default 9), print the median wall
# time in milliseconds with one decimal.
median_ms() {
  local t=() n=${runs:-9}
  for ((i = 0; i < n; i++)); do
    local s e
    s=$(date +%s%N)
    "$@" >/dev/null 2>&1
    e=$(date +%s%N)
    t+=($(((e - s) / 1000)))
  done
  printf '%s\n' "${t[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}'
}
