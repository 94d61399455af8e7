-- GET /api/loans/{id} for a random one of the 10 000 benchmark loans (ids made by bench/run.py).
math.randomseed(os.time())

request = function()
  local n = math.random(1, 10000)
  return wrk.format("GET", string.format("/api/loans/00000000-0000-4000-8000-%012d", n))
end
