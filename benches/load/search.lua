-- wrk script: search requests over the theme index, cycling through realistic queries and
-- facet filters so the server cannot answer from one warm path (180 distinct searches). With
-- CHORUS_MODES=meaning the same searches alternate between ranking by meaning and by both.
-- Usage: wrk -t2 -c200 -d20s --latency -s benches/load/search.lua http://127.0.0.1:7878
local queries = {
  "minimum wage", "housing affordable rent", "climate citizens assembly", "police youth trust",
  "remote control design", "battery button cost", "tax income rich", "water quality farming",
  "universal basic income", "uber taxi regulation", "volunteers community support",
  "brexit referendum vote", "biodiversity native species", "kentucky education schools",
  "paper forms online", "digital services access", "health funding local", "public transport bus",
  "energy prices", "trust in government", "mental health", "data privacy", "working from home",
  "meeting agenda", "speech recognition", "interface design", "market research", "budget",
  "fifteen dollars hour", "small business jobs",
}
-- filters that exist in ../shared/data (a filter naming no unit is a 400, not a search); the
-- theme is one of the workspace's (ids depend on its history), from CHORUS_THEME when set
local theme = os.getenv("CHORUS_THEME") or "t-3"
local filters = { "", "&lang=en", "&event=march-on.operation-marchin-orders", "&theme=" .. theme, "&lang=de", "&event=es2002d" }
local modes = { "" }
if os.getenv("CHORUS_MODES") == "meaning" then
  modes = { "&mode=semantic", "&mode=hybrid" }
end
local n = 0
request = function()
  n = n + 1
  local q = queries[(n % #queries) + 1]:gsub(" ", "+")
  local f = filters[(math.floor(n / #queries) % #filters) + 1]
  local m = modes[(n % #modes) + 1]
  return wrk.format("GET", "/api/search?q=" .. q .. f .. m .. "&limit=10")
end
