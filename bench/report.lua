-- One machine-readable line at the end of a wrk run: requests, duration (µs), p50 and p99 latency (µs),
-- answers with status >= 400, and socket errors.
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
