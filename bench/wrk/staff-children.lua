-- The staff list: GET /api/v1/facility/children?limit=100 with a staff access token of many facilities,
-- rotating; or, with mode "baseline", the raw Npgsql endpoint of the same rows for the same facilities.
-- Arguments: <staff-lists.tsv: token TAB facility id> <threads> <mode: api|baseline>
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

local lines, index, mode

function init(args)
  lines = load_lines(args[1])
  index = math.floor(#lines * (id - 1) / tonumber(args[2]))
  mode = args[3] or "api"
end

function request()
  index = index % #lines + 1
  local fields = split_tabs(lines[index])
  if mode == "baseline" then
    return wrk.format("GET", "/baseline/facilities/" .. fields[2] .. "/children")
  end
  return wrk.format("GET", "/api/v1/facility/children?limit=100", { ["Authorization"] = "Bearer " .. fields[1] })
end
