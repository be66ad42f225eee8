-- Baseline: GET /baseline/{id} on the raw Npgsql app, rotating over the seeded parent account ids.
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

local ids, index

function init(args)
  ids = load_lines(args[1])
  index = math.floor(#ids * (id - 1) / tonumber(args[2]))
end

function request()
  index = index % #ids + 1
  return wrk.format("GET", "/baseline/" .. ids[index])
end
