-- Shared by the KitaLink wrk scenarios (loaded with dofile from BENCH_WRK_DIR):
-- thread numbering, input files, per-status counting and a machine-readable summary.
-- Every scenario script is called as: wrk ... -s <scenario>.lua <url> -- <input file> <threads> [extra]

local threads = {}
local next_id = 1

-- Runs in the main Lua state once per thread, before the thread's own init().
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

statuses = {}
exhausted = 0

-- All lines of a file, or (with slice) only this thread's share: lines i with i % threads == id - 1,
-- so threads never send the same single-use input (PIN pairs) twice.
function load_lines(path, slice, nthreads)
  local lines = {}
  local i = 0
  for line in io.lines(path) do
    if line ~= "" then
      if not slice or i % nthreads == id - 1 then
        table.insert(lines, line)
      end
      i = i + 1
    end
  end
  if #lines == 0 then
    error("no input lines for thread " .. id .. " in " .. path)
  end
  return lines
end

function split_tabs(line)
  local fields = {}
  for field in string.gmatch(line, "[^\t]+") do
    table.insert(fields, field)
  end
  return fields
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

local function json_object(t)
  local parts = {}
  for k, v in pairs(t) do
    table.insert(parts, string.format("%q:%s", tostring(k), tostring(v)))
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

-- One line "BENCH_JSON {...}" that bench/run.sh extracts; latencies in microseconds.
function done(summary, latency, requests)
  local all = {}
  local used_up = 0
  for _, thread in ipairs(threads) do
    local counted = thread:get("statuses") or {}
    for status, n in pairs(counted) do
      all[status] = (all[status] or 0) + n
    end
    used_up = used_up + (thread:get("exhausted") or 0)
  end
  local errors = summary.errors
  io.write("BENCH_JSON " .. json_object({
    requests = summary.requests,
    durationUs = summary.duration,
    bytes = summary.bytes,
    connectErrors = errors.connect,
    readErrors = errors.read,
    writeErrors = errors.write,
    timeoutErrors = errors.timeout,
    statusErrors = errors.status,
    p50Us = latency:percentile(50),
    p90Us = latency:percentile(90),
    p99Us = latency:percentile(99),
    maxUs = latency.max,
    meanUs = latency.mean,
    exhausted = used_up,
    statuses = json_object(all),
  }) .. "\n")
end
