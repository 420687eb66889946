-- Request shapes for benchmarks/registry_bench.py and benchmarks/tracking_bench.py.
--
-- The Python driver knows the REST API and builds every path and body; this script only
-- turns them into requests, so the same script loads modelyard and MLflow alike.
-- Arguments after `--`:
--   fixed    METHOD PATH [BODY]   the same request every time (create, alias lookup)
--   numbered PREFIX N             PREFIX .. random integer in 1..N (get a random version)
--   cycle    FILE                 the paths in FILE, one a line, in order, round and round
--                                 (paging: each thread starts at another page)
--   template METHOD PATH FILE     the JSON bodies in FILE, one a line, round and round, each
--                                 `{n}` replaced by a number no other request of any run of
--                                 wrk in the next days gets (log-batch: new metric steps)
-- At the end it prints one line `BENCH_RESULT {json}` for the driver to parse.

local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_id", thread_count)
end

local mode, prefix, count, paths, position, method, path, sent

local function read_lines(file)
  local lines = {}
  for line in io.lines(file) do
    if line ~= "" then
      table.insert(lines, line)
    end
  end
  return lines
end

function init(args)
  mode = args[1]
  -- Each thread gets its own random sequence; the same seeds on both servers keep the
  -- sequences comparable between runs.
  math.randomseed(thread_id * 7919)
  if mode == "fixed" then
    local headers = {}
    if args[4] then
      headers["Content-Type"] = "application/json"
    end
    -- Built once: a request() that returns a prebuilt string costs wrk nearly nothing.
    fixed_request = wrk.format(args[2], args[3], headers, args[4])
  elseif mode == "numbered" then
    prefix, count = args[2], tonumber(args[3])
  elseif mode == "cycle" then
    paths = read_lines(args[2])
    position = (thread_id * 7) % #paths
  elseif mode == "template" then
    method, path, paths = args[2], args[3], read_lines(args[4])
    position = (thread_id * 7) % #paths
    -- Seconds of the clock times 10^7: later runs of wrk start above this one's numbers.
    sent = (os.time() % 1000000) * 10000000
  else
    error("unknown mode " .. tostring(mode))
  end
end

function request()
  if mode == "fixed" then
    return fixed_request
  elseif mode == "numbered" then
    return wrk.format("GET", prefix .. math.random(1, count))
  elseif mode == "template" then
    position = position % #paths + 1
    sent = sent + 16
    local body = paths[position]:gsub("{n}", string.format("%d", sent + thread_id))
    return wrk.format(method, path, {["Content-Type"] = "application/json"}, body)
  end
  position = position % #paths + 1
  return wrk.format("GET", paths[position])
end

function done(summary, latency, _requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "status_errors": %d, '
      .. '"socket_errors": %d, "p50_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max
  ))
end
