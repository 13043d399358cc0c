#!/usr/bin/env bash
# Medians of several e2e.sh runs, scenario by scenario (a shared machine is noisy: compare
# medians, not single runs).
#
#   for i in 1 2 3; do benches/e2e.sh --out bench-results/e2e-$i.json; done
#   MEDIAN_OUT=bench-results/e2e-median.json benches/median.sh bench-results/e2e-[123].json
#
# With MEDIAN_OUT the medians go to that file and the table to the terminal.
set -euo pipefail
[[ $# -gt 0 ]] || { sed -n '2,6p' "$0"; exit 2; }
jq -s '
  def median: sort | if length == 0 then null
    elif length % 2 == 1 then .[length / 2 | floor]
    else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  {runs: length, commits: (map(.commit) | unique), when: map(.when),
   load_average_at_end: map(.load_average_at_end),
   results: (. as $runs | [$runs[0].results[].scenario] | map(. as $s |
     [$runs[].results[] | select(.scenario == $s)] as $rows | $rows[0] + (
       [$rows[0] | to_entries[] | select(.value | type == "number") | .key]
       | map({key: ., value: ([$rows[][.] | select(. != null)] | median)}) | from_entries)
   ))}' "$@" >"${MEDIAN_OUT:-/dev/stdout}"
if [[ -n "${MEDIAN_OUT:-}" ]]; then jq -r -f "$(dirname "$0")/table.jq" "$MEDIAN_OUT" | column -t -s $'\t'; fi
