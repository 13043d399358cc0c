# The table e2e.sh and median.sh print, from an e2e JSON file.
  def n(x; d): if x == null then "" else (x * pow(10; d) | round / pow(10; d) | tostring) end;
  def mb(x): if x == null then "" else n(x / 1024; 1) end;
  (["scenario", "throughput", "p50 ms", "p99 ms", "peak RSS MB", "notes"] | @tsv),
  (.results[] |
    if .kind == "start_to_healthy" then
      [.scenario, "", "", "", "", "start→healthy \(.start_to_healthy_ms) ms, idle RSS \(mb(.idle_rss_kb)) MB"]
    elif .kind == "load" then
      [.scenario, "\(n(.req_per_s; 0)) req/s", n(.p50_ms; 2), n(.p99_ms; 2), mb(.peak_rss_kb),
       "c=\(.connections), \(.requests) requests" +
       (if .bad_status + .socket_errors > 0 then ", \(.bad_status) bad status, \(.socket_errors) socket errors" else "" end)]
    elif .kind == "batch" then
      [.scenario, "\(n(.credentials_per_s; 0)) credentials/s", "", "", mb(.peak_rss_kb),
       "\(.batches) × 1,000, median \(n(.median_s; 2)) s/batch = \(n(.median_s; 2)) ms/credential, \(.issued) issued"]
    else
      [.scenario, "\(n(.pdfs_per_s; 1)) PDFs/s", "", "", mb(.peak_rss_kb),
       "\(.pdfs) PDFs in \(n(.seconds; 1)) s, \(n(.ms_per_pdf; 2)) ms each (wall)"]
    end | @tsv)
