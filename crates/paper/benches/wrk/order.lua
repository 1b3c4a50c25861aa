-- Market buys of 1 AAPL share, with the bench key (buys only: most of them wait for the next
-- quote tick once the ask size is used up, which the figures in BENCHMARKS.md include).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["APCA-API-KEY-ID"] = "BENCH"
wrk.headers["APCA-API-SECRET-KEY"] = "bench-secret"
local n = 0
request = function()
  n = n + 1
  local side = "buy"
  return wrk.format(nil, "/v2/orders", nil,
    '{"symbol":"AAPL","qty":"1","side":"' .. side .. '","type":"market","time_in_force":"day"}')
end
response = function(status, headers, body)
  if status ~= 200 then errors_seen = (errors_seen or 0) + 1 end
end
