-- POST .../guardians/{guardianId}/pins: staff create a PIN pair (PIN 2 goes into the mail outbox).
-- Threads take disjoint guardians, so two requests never race for one guardian's pair. With a third
-- argument every connection waits that many milliseconds before each request (a paced load).
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

local rows, index, pause

function init(args)
  rows = load_lines(args[1], true, tonumber(args[2]))
  index = 0
  pause = tonumber(args[3])
end

function delay()
  return pause or 0
end

function request()
  index = index % #rows + 1
  local f = split_tabs(rows[index])
  return wrk.format("POST", "/api/v1/facility/children/" .. f[2] .. "/guardians/" .. f[3] .. "/pins",
    { ["Authorization"] = "Bearer " .. f[1] })
end
