-- POST .../guardians/{guardianId}/pins: staff create a PIN pair (PIN 2 goes into the mail outbox).
-- Threads take disjoint guardians, so two requests never race for one guardian's pair.
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

local rows, index

function init(args)
  rows = load_lines(args[1], true, tonumber(args[2]))
  index = 0
end

function request()
  index = index % #rows + 1
  local f = split_tabs(rows[index])
  return wrk.format("POST", "/api/v1/facility/children/" .. f[2] .. "/guardians/" .. f[3] .. "/pins",
    { ["Authorization"] = "Bearer " .. f[1] })
end
