-- POST /v1/waitlist: a new address (example.org) and a random client IP (X-Forwarded-For) per request.
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
common.install()

function request()
  local body = string.format(
    '{"email":"wl-%s@example.org","consent":true,"name":"Bench","source":"bench","utm_source":"wrk"}',
    common.unique())
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["X-Forwarded-For"] = common.random_ip(),
  }, body)
end
