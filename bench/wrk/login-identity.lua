-- POST /login of the ASP.NET Core Identity peer (bench/KitaLink.Bench.IdentityPeer, MapIdentityApi) with the right
-- password, rotating over the peer's seeded users: the same load as login.lua, against the peer.
-- args: emails file, threads, password
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
  return wrk.format("POST", "/login", { ["Content-Type"] = "application/json" }, body)
end
