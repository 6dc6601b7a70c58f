-- wrk script: the refresh_token grant, one connection per thread, each thread rotating its own
-- refresh token (BENCH_TOKENS: comma-separated, one per thread; BENCH_AUTH: the client's Basic
-- credentials). A token is used once: the answer's new refresh token is the next request's.
local tokens, n = {}, 0
for t in string.gmatch(os.getenv("BENCH_TOKENS"), "[^,]+") do tokens[#tokens + 1] = t end
function setup(thread)
    n = n + 1
    thread:set("rt", tokens[n])
end
function request()
    return wrk.format("POST", nil, {
        ["Authorization"] = os.getenv("BENCH_AUTH"),
        ["Content-Type"] = "application/x-www-form-urlencoded",
    }, "grant_type=refresh_token&refresh_token=" .. rt)
end
function response(status, headers, body)
    local t = string.match(body, '"refresh_token":"([^"]+)"')
    if t then rt = t end
end
