-- POST /api/v1/facility/children/{childId}/guardians: staff add a guardian (the address check runs).
-- Arguments: <staff token> <child id> <email domain>. Every request uses a new address, so only the DNS
-- cache (not a repeated-address shortcut) can make the check cheap.
local token, child, domain
local counter = 0

function init(args)
  token, child, domain = args[1], args[2], args[3]
end

function request()
  counter = counter + 1
  local body = string.format('{"name":"Bench Elternteil","relationship":"Mutter","email":"eltern.%d.%d.%d@%s"}',
    math.random(1, 1000000000), counter, os.time(), domain)
  return wrk.format("POST", "/api/v1/facility/children/" .. child .. "/guardians",
    { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, body)
end

statuses = {}
function response(status)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d errors=%d p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f mean_ms=%.2f\n",
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.mean / 1000))
end
