-- POST <path> with {"refreshToken": ...}: refresh-token rotation as a parent app does it, each token used once.
-- Every thread keeps a pool of live tokens (its slice of the seeded file): a request takes one out, a 200
-- answer puts the successor back, so the chain goes on for as long as the run lasts.
-- Arguments: <tokens file> <threads> <path> [addresses]. With addresses > 0 every request carries an
-- X-Forwarded-For from that many client addresses (the API trusts 127.0.0.1 as a proxy in the bench), so the
-- per-address rate limit counts them apart; without it every request comes from 127.0.0.1.
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

local pool, path, addresses, sent

function init(args)
  pool = load_lines(args[1], true, tonumber(args[2]))
  path = args[3]
  addresses = tonumber(args[4] or "0")
  sent = 0
end

function request()
  local token = table.remove(pool)
  if token == nil then
    -- Every token of this thread is in flight or was refused: count it and send one that fails.
    exhausted = exhausted + 1
    token = "exhausted"
  end
  local headers = { ["Content-Type"] = "application/json" }
  if addresses > 0 then
    sent = sent + 1
    local n = (sent * 7919 + id * 104729) % addresses
    headers["X-Forwarded-For"] = string.format("10.0.%d.%d", math.floor(n / 250), n % 250 + 1)
  end
  return wrk.format("POST", path, headers, '{"refreshToken":"' .. token .. '"}')
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 200 then
    local successor = string.match(body, '"refreshToken":"([^"]+)"')
    if successor then
      table.insert(pool, successor)
    end
  end
end
