-- Shared by every bench script (loaded with dofile): per-thread unique ids, counts of responses by
-- status, and one machine-readable line of results that benchmarks/harness.py parses.
local M = {}

local threads = {} -- in the main state: every thread, so done() can collect their counts
local next_tid = 0
local counter = 0 -- in each thread's state: requests built so far
local run = os.getenv("BENCH_RUN") or "run"

function M.setup(thread)
  next_tid = next_tid + 1
  thread:set("tid", next_tid)
  table.insert(threads, thread)
end

function M.init(_args)
  statuses = {} -- globals, read back by done() through thread:get
  accepted = 0
  math.randomseed(os.time() * 100 + tid)
end

-- A string no other request of this run (any thread) uses: for event ids and email addresses.
function M.unique()
  counter = counter + 1
  return string.format("%s-%d-%d", run, tid, counter)
end

function M.random_ip()
  return string.format("%d.%d.%d.%d", math.random(1, 223), math.random(0, 255), math.random(0, 255),
    math.random(1, 254))
end

-- One line per token in the file named by BENCH_TOKENS; each thread starts at its own offset.
function M.tokens()
  local list = {}
  for line in io.lines(os.getenv("BENCH_TOKENS")) do
    if #line > 0 then table.insert(list, line) end
  end
  return list
end

function M.iso(t)
  return os.date("!%Y-%m-%dT%H:%M:%S", t) .. "+00:00"
end

function M.response(status, _headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  local n = body and body:match('"accepted":%s*(%d+)') -- a batch answer's count of stored events
  if n then accepted = accepted + tonumber(n) end
end

function M.done(summary, latency, _requests)
  local by_status, accepted_total = {}, 0
  for _, thread in ipairs(threads) do
    accepted_total = accepted_total + (thread:get("accepted") or 0)
    for status, n in pairs(thread:get("statuses") or {}) do
      by_status[status] = (by_status[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(by_status) do
    table.insert(parts, string.format('"%s":%d', status, n))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"duration_us":%d,"requests":%d,"bytes":%d,"accepted":%d,"statuses":{%s},' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"max":%d}}\n',
    summary.duration, summary.requests, summary.bytes, accepted_total, table.concat(parts, ","),
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end

function M.install()
  setup, init, response, done = M.setup, M.init, M.response, M.done
end

return M
