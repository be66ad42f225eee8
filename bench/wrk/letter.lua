-- GET .../guardians/{guardianId}/pins/letter: the PIN 1 letter PDF of a pending pair, as facility staff.
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

local rows, index

function init(args)
  rows = load_lines(args[1])
  index = math.floor(#rows * (id - 1) / tonumber(args[2]))
end

function request()
  index = index % #rows + 1
  local f = split_tabs(rows[index])
  return wrk.format("GET", "/api/v1/facility/children/" .. f[2] .. "/guardians/" .. f[3] .. "/pins/letter",
    { ["Authorization"] = "Bearer " .. f[1], ["Accept"] = "application/pdf" })
end
