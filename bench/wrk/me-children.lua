-- GET /api/v1/me/children as many different parents (one valid access token per seeded account). An optional third
-- argument names another path with the same contract (the baseline app's authenticated rung, /baseline/me/children).
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

local tokens, index, path

function init(args)
  tokens = load_lines(args[1])
  index = math.floor(#tokens * (id - 1) / tonumber(args[2]))
  path = args[3] or "/api/v1/me/children"
end

function request()
  index = index % #tokens + 1
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. tokens[index] })
end
