FUZZERS += vnc_web_fuzz
vnc_web_fuzz_OBJS = tests/fuzz/vnc_web_fuzz.o hostside/console/vnc_web.o
