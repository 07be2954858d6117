-- post-donation.lua: wrk script for POST /v1/donations, a new
-- Idempotency-Key (so a new donation) for every request.
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", "/v1/donations", {
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = "bench-" .. tostring(n) .. "-" .. tostring(math.random(1e9)),
  }, '{"user_id":"u1001","charity_id":"c-wwf","amount_cents":1500,"currency":"EUR"}')
end
