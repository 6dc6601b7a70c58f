-- wrk script: password sign-in (POST /login) with a CSRF cookie and token taken beforehand.
-- BENCH_COOKIE and BENCH_BODY come from the environment (bench/run.sh fills them).
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
