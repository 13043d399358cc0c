-- Shared by the wrk scripts: one JSON line with what e2e.sh needs (latencies in µs).
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nWRK_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"mean_us":%.1f,' ..
    '"max_us":%d,"bad_status":%d,"socket_errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.mean, latency.max, e.status, e.connect + e.read + e.write + e.timeout))
end
