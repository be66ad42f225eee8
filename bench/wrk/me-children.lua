-- GET /api/v1/me/children as many different parents (one valid access token per seeded account).
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

local tokens, index

function init(args)
  tokens = load_lines(args[1])
  index = math.floor(#tokens * (id - 1) / tonumber(args[2]))
end

function request()
  index = index % #tokens + 1
  return wrk.format("GET", "/api/v1/me/children", { ["Authorization"] = "Bearer " .. tokens[index] })
end
