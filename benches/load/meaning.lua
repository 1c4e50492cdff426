-- wrk script: searches by meaning and by both (semantic, hybrid), every request a query never
-- asked before (two topic words and a running number), so neither the answer cache nor the
-- query-vector cache can answer: each request needs the model.
-- Usage: wrk -t2 -c200 -d20s --latency -s benches/load/meaning.lua http://127.0.0.1:7878
-- the word list beside this script
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
local words = dofile(here .. "words.lua")
local modes = { "semantic", "hybrid" }
local n = 0
request = function()
  n = n + 1
  local a = words[(n % #words) + 1]
  local b = words[(math.floor(n / #words) % #words) + 1]
  local mode = modes[(n % 2) + 1]
  return wrk.format("GET", "/api/search?q=" .. a .. "+" .. b .. "+" .. n .. "&mode=" .. mode .. "&limit=10")
end
