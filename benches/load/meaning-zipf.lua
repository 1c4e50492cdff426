-- wrk script: searches by meaning and by both (semantic, hybrid) as many researchers make
-- them: queries drawn from a pool of 1,600 distinct two-word queries with Zipf's law (the
-- query of rank r drawn in proportion to 1/r), so popular queries repeat and rare ones are new.
-- Run with the server's answer cache off (`--no-cache`): a repeated query is still ranked and
-- answered anew, only its embedding is remembered (the query-vector cache).
-- Usage: wrk -t2 -c200 -d20s --latency -s benches/load/meaning-zipf.lua http://127.0.0.1:7878
-- the word list beside this script
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
local words = dofile(here .. "words.lua")
local pool = #words * #words
-- cumulative Zipf weights over the pool's ranks
local cdf, total = {}, 0
for r = 1, pool do
  total = total + 1 / r
  cdf[r] = total
end
local modes = { "semantic", "hybrid" }
local n = 0
-- a fixed seed per thread: the same sequence every run
local state = 12345
local function uniform()
  state = (1103515245 * state + 12345) % 2147483648
  return state / 2147483648
end
local function rank()
  local u, lo, hi = uniform() * total, 1, pool
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cdf[mid] < u then lo = mid + 1 else hi = mid end
  end
  return lo
end
request = function()
  n = n + 1
  local r = rank() - 1
  local a = words[(r % #words) + 1]
  local b = words[(math.floor(r / #words) % #words) + 1]
  local mode = modes[(n % 2) + 1]
  return wrk.format("GET", "/api/search?q=" .. a .. "+" .. b .. "&mode=" .. mode .. "&limit=10")
end
