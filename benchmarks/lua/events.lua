-- POST /v1/events (one event) or, with BENCH_BATCH=n, POST /v1/events/batch (n events): unique event ids,
-- a mix of the common types with encrypted free text, bearer tokens taken in turn from BENCH_TOKENS.
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
common.install()

local batch = tonumber(os.getenv("BENCH_BATCH") or "0")
local tokens, turn
local base_init = init

function init(args)
  base_init(args)
  tokens = common.tokens()
  turn = tid * 7
end

local function event(now, ago)
  local id, at = common.unique(), common.iso(now - ago)
  local kind = math.random(1, 3)
  if kind == 1 then
    return string.format('{"event_id":"%s","type":"symptom","occurred_at":"%s","code":"insomnia",' ..
      '"severity":%d,"note":"woke at 3am, heart racing","tags":["night"]}', id, at, math.random(0, 4))
  elseif kind == 2 then
    return string.format('{"event_id":"%s","type":"check_in","occurred_at":"%s","overall":%d,' ..
      '"sleep_hours":5.5,"sleep_quality":1,"mood":2,"note":"foggy but managing"}', id, at, math.random(0, 10))
  end
  return string.format('{"event_id":"%s","type":"dose","occurred_at":"%s","medication":"diazepam",' ..
    '"amount_mg":%.2f,"form":"tablet","status":"taken"}', id, at, math.random(1, 200) / 20)
end

function request()
  turn = turn + 1
  local now = os.time()
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[turn % #tokens + 1],
  }
  if batch == 0 then
    local body = event(now, 60):gsub("}$", string.format(',"sent_at":"%s"}', common.iso(now)))
    return wrk.format("POST", "/v1/events", headers, body)
  end
  local events = {}
  for i = 1, batch do
    events[i] = event(now, 300 * i) -- an offline phone: the last day or so, oldest last
  end
  local body = string.format('{"sent_at":"%s","events":[%s]}', common.iso(now), table.concat(events, ","))
  return wrk.format("POST", "/v1/events/batch", headers, body)
end
