-- POST /api/v1/auth/token: parent sign-in with email and password, rotating over the seeded accounts.
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

local emails, index, password

function init(args)
  emails = load_lines(args[1])
  index = math.floor(#emails * (id - 1) / tonumber(args[2]))
  password = args[3]
end

function request()
  index = index % #emails + 1
  local body = '{"email":"' .. emails[index] .. '","password":"' .. password .. '"}'
  return wrk.format("POST", "/api/v1/auth/token", { ["Content-Type"] = "application/json" }, body)
end
