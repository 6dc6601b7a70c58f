-- wrk script: password sign-in (POST /login) with a CSRF cookie and token taken beforehand.
-- BENCH_COOKIE and BENCH_BODY come from the environment (bench/run.sh fills them). Only a 303
-- (signed in) counts: a refused form (403, 401) must not pass for a fast sign-in.
local threads = {}
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    ok = 0
end

function response(status, headers, body)
    if status == 303 then ok = ok + 1 end
end

function done(summary, latency, requests)
    local total = 0
    for _, t in ipairs(threads) do total = total + t:get("ok") end
    io.write(string.format("signins %d in %.3f s\n", total, summary.duration / 1e6))
end
