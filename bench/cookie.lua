-- wrk script: GET with a session cookie (BENCH_COOKIE from the environment).
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
