-- wrk script: POST /api/auth/logout with a Bearer token and a tally of statuses per thread.
-- The token comes from the environment (LOGOUT_TOKEN) so it never appears on a command line.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("LOGOUT_TOKEN")
  processed, unavailable, other = 0, 0, 0
end

function response(status, headers, body)
  if status == 200 or status == 401 then
    processed = processed + 1      -- answered by the responder
  elseif status == 502 then
    unavailable = unavailable + 1  -- nginx found no responder to connect to
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local p, u, o = 0, 0, 0
  for _, thread in ipairs(threads) do
    p = p + thread:get("processed")
    u = u + thread:get("unavailable")
    o = o + thread:get("other")
  end
  local e = summary.errors
  io.write(string.format("TALLY processed=%d unavailable=%d other=%d connect=%d read=%d write=%d timeout=%d status=%d\n",
    p, u, o, e.connect, e.read, e.write, e.timeout, e.status))
end
