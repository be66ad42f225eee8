-- POST /api/v1/accounts: registration with email, password, PIN 1 and PIN 2. Every request uses a
-- fresh pending PIN pair (single use); threads take disjoint lines of the input file.
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

local pairs_, index, password

function init(args)
  pairs_ = load_lines(args[1], true, tonumber(args[2]))
  index = 0
  password = args[3]
end

function request()
  index = index + 1
  if index > #pairs_ then
    -- Out of fresh pairs: the request is sent anyway (and fails as pins_already_used), and counted.
    exhausted = exhausted + 1
    index = 1
  end
  local f = split_tabs(pairs_[index])
  local body = '{"email":"' .. f[1] .. '","password":"' .. password .. '","pin1":"' .. f[2] .. '","pin2":"' .. f[3] .. '"}'
  return wrk.format("POST", "/api/v1/accounts", { ["Content-Type"] = "application/json" }, body)
end
