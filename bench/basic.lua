-- wrk: every request carries the Authorization header in BENCH_AUTH (HTTP Basic).
wrk.headers["Authorization"] = os.getenv("BENCH_AUTH")
