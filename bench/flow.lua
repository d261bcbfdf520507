-- wrk script: each thread drives one connection through the checkout flow
--   create session -> sandbox authorize -> order from authorization -> capture
-- and counts the flows that complete. Run with equal -t and -c so that a thread's
-- response callback always belongs to its own (single) connection.

local auth = os.getenv("BENCH_AUTH")
local amount = 60000
local counter = 0
local phase = 1
local session_id, token, order_id
flows, failures = 0, 0
thread_id = thread_id or 0

local threads = {}

function setup(thread)
   thread:set("thread_id", #threads + 1)
   table.insert(threads, thread)
end

local function body_session()
   return string.format(
      '{"purchase_country":"SE","purchase_currency":"SEK","locale":"sv-SE",' ..
      '"order_amount":%d,"order_tax_amount":0,"order_lines":[{"name":"Rain jacket",' ..
      '"quantity":1,"unit_price":%d,"total_amount":%d}]}', amount, amount, amount)
end

local headers = {
   ["Authorization"] = "Basic " .. auth,
   ["Content-Type"] = "application/json",
}

function request()
   if phase == 1 then
      return wrk.format("POST", "/payments/v1/sessions", headers, body_session())
   elseif phase == 2 then
      counter = counter + 1
      local body = string.format(
         '{"payment_method_category":"pay_in_3","consumer":{"email":"bench-%d-%d-%d@example.com",' ..
         '"given_name":"Bench","family_name":"Shopper","date_of_birth":"1988-05-17"}}',
         thread_id, counter, math.random(1, 1000000000))
      return wrk.format("POST", "/sandbox/v1/sessions/" .. session_id .. "/authorize", headers, body)
   elseif phase == 3 then
      return wrk.format("POST", "/payments/v1/authorizations/" .. token .. "/order", headers,
                        body_session())
   else
      return wrk.format("POST", "/ordermanagement/v1/orders/" .. order_id .. "/captures", headers,
                        string.format('{"captured_amount":%d}', amount))
   end
end

function response(status, hdrs, body)
   if status >= 300 then
      failures = failures + 1
      phase = 1
      return
   end
   if phase == 1 then
      session_id = string.match(body, '"session_id":"([^"]+)"')
      phase = 2
   elseif phase == 2 then
      token = string.match(body, '"authorization_token":"([^"]+)"')
      if token then phase = 3 else failures = failures + 1; phase = 1 end
   elseif phase == 3 then
      order_id = string.match(body, '"order_id":"([^"]+)"')
      phase = 4
   else
      flows = flows + 1
      phase = 1
   end
end

function init(args)
   math.randomseed(os.time() + thread_id)
end

function done(summary, latency, requests)
   local total_flows, total_failures = 0, 0
   for _, thread in ipairs(threads) do
      total_flows = total_flows + thread:get("flows")
      total_failures = total_failures + thread:get("failures")
   end
   io.write(string.format("BENCH flows=%d failures=%d requests=%d non2xx=%d errors=%d " ..
                          "duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d\n",
      total_flows, total_failures, summary.requests,
      summary.errors.status, summary.errors.connect + summary.errors.read +
      summary.errors.write + summary.errors.timeout,
      summary.duration, latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.max))
end
