-- Cycles through requests read from BENCH_LINES (one per line): with BENCH_METHOD=POST each
-- line is a body sent to BENCH_PATH; with GET each line is a path.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

local reqs = {}
local i = 0
function init(args)
  local method = os.getenv("BENCH_METHOD") or "GET"
  local path = os.getenv("BENCH_PATH") or "/"
  local ctype = os.getenv("BENCH_CONTENT_TYPE") or "application/json"
  for line in io.lines(os.getenv("BENCH_LINES")) do
    if #line > 0 then
      if method == "GET" then
        reqs[#reqs + 1] = wrk.format("GET", line)
      else
        reqs[#reqs + 1] = wrk.format(method, path, {["Content-Type"] = ctype}, line)
      end
    end
  end
  i = tid or 0
end

function request()
  i = i % #reqs + 1
  return reqs[i]
end
