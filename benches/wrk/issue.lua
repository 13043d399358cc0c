-- POST /api/v1/exam-results with a unique attempt_id (and candidate) per request.
-- Env: BENCH_TOKEN (issuer token), BENCH_RUN (unique per run), BENCH_ACHIEVEMENT.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

local n = 0
local headers
function init(args)
  headers = {
    ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN"),
    ["Content-Type"] = "application/json",
  }
end

function request()
  n = n + 1
  local id = string.format("%s-%d-%d", os.getenv("BENCH_RUN"), tid, n)
  local body = string.format(
    '{"attempt_id":"a-%s","achievement":"%s","candidate":{"id":"c-%s","name":"Bench Candidate %d",' ..
    '"email":"c-%s@example.com"},"exam":{"version":"2026.1","completed_at":"2026-11-01T10:00:00Z",' ..
    '"proctored":true,"score":850,"max_score":1000}}',
    id, os.getenv("BENCH_ACHIEVEMENT") or "mlops-foundation", id, n, id)
  return wrk.format("POST", "/api/v1/exam-results", headers, body)
end
