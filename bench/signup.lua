-- wrk script: sign-ups through the form, each a GET /signup (its CSRF token and captcha id)
-- then the POST; run with one connection per thread (-t N -c N). BENCH_COOKIE (the CSRF
-- cookie) and BENCH_TAG (makes the names of this run unique) come from the environment.
local threads = {}
local state, csrf, cid, n = "get", "", "", 0
local cookie = os.getenv("BENCH_COOKIE")
local tag = os.getenv("BENCH_TAG") or "x"

function setup(thread)
    table.insert(threads, thread)
    thread:set("tid", #threads)
end

function init(args)
    ok = 0
end

function request()
    if state == "get" then
        return wrk.format("GET", "/signup", { ["Cookie"] = cookie })
    end
    n = n + 1
    local name = "s" .. tag .. "t" .. tid .. "n" .. n
    local body = "csrf=" .. csrf .. "&captcha_id=" .. cid .. "&captcha=TEST7&email=" .. name ..
        "%40example.com&username=" .. name .. "&password=correct+horse+battery+42&terms=1"
    return wrk.format("POST", "/signup", { ["Cookie"] = cookie,
        ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end

function response(status, headers, body)
    if state == "get" then
        csrf = body:match('name="csrf" value="([^"]*)"') or ""
        cid = body:match('name="captcha_id" id="captcha%-id" value="([^"]*)"') or ""
        state = "post"
    else
        if status == 303 then ok = ok + 1 end
        state = "get"
    end
end

function done(summary, latency, requests)
    local total = 0
    for _, t in ipairs(threads) do total = total + t:get("ok") end
    io.write(string.format("signups %d in %.3f s\n", total, summary.duration / 1e6))
end
