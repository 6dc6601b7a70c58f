# daoid build. The two commands: `make run` (local demo) and `make test` (every test layer).
# Both install missing Debian/npm packages first (scripts/deps.sh), then build with a sub-make
# so that pkg-config runs after the packages exist.
#
# Variants: B=build (release, hardened) and B=build/san (ASan+UBSan, for the test suite).

B ?= build
SAN ?= 0
PKGS := libmicrohttpd sqlite3 libpq libsodium libcurl jansson gdlib libqrencode inih libcrypto expat libfido2 libcbor zlib

CC ?= cc
V ?= 0
ifeq ($(V),0)
  Q := @
  SAY = @echo "  $(1) $(2)";
endif
OPT ?= -O2
WARN := -Wall -Wextra -Werror -Wmissing-prototypes -Wshadow -Wformat=2 -Wundef -Wvla -Wno-missing-field-initializers
HARDEN := -fstack-protector-strong -fstack-clash-protection -fcf-protection -fPIE
ifeq ($(SAN),1)
  SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
  OPT := -O1
else ifeq ($(SAN),fuzz)
  SANFLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
  OPT := -O1
else
  HARDEN += -D_FORTIFY_SOURCE=2
endif
# libsystemd is optional and off by default: lib/sdnotify.c sends sd_notify's datagram itself,
# and linking libsystemd maps ~1 MiB more at idle (libgcrypt, liblzma, liblz4, libzstd, libcap).
# SYSTEMD=1 uses libsystemd's sd_notify.
SYSTEMD ?= 0
ifeq ($(SYSTEMD),1)
  PKGS += libsystemd
  SD_DEF := -DHAVE_LIBSYSTEMD
endif
COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS)) $(SD_DEF) -DDAOID_COMMIT='"$(COMMIT)"'
# libgd, libcurl and libpq are not linked (their headers are used): captcha_img.c loads libgd on
# the first captcha, net/curl_lazy.c libcurl on the first outbound call, db/pq_lazy.c libpq on
# the first PostgreSQL connect, so an idle server does not map them and what they pull in.
PKG_LIBS = $(shell pkg-config --libs $(filter-out gdlib libcurl libpq,$(PKGS))) -lunistring -lpthread -lm -ldl
CFLAGS := -std=gnu11 -g $(OPT) $(WARN) $(HARDEN) $(SANFLAGS)
# The layers, lowest first: lib ← db, net ← core ← web ← handlers ← main (arrows point down only).
LAYERS := lib db net core web handlers
INC := $(LAYERS:%=-Isrc/%)
CPPFLAGS := -D_GNU_SOURCE $(INC) -I$(B)/gen -MMD -MP
LDFLAGS := -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack $(SANFLAGS)

SRC := $(foreach l,$(LAYERS),$(wildcard src/$(l)/*.c))
OBJ := $(SRC:src/%.c=$(B)/obj/%.o) $(B)/obj/assets.o
DEVSIM_SRC := $(wildcard tools/devsim/*.c)
DEVSIM_OBJ := $(DEVSIM_SRC:tools/devsim/%.c=$(B)/obj/devsim/%.o)
TEST_SRC := $(wildcard tests/unit/test_*.c)
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(B)/tests/%)
ASSETS := $(sort $(wildcard web/templates/* web/static/* locale/* sql/*.sql data/*.txt))

.PHONY: FORCE deb deb-package all tests san run test test-loaded test-build build-release build-san test-layers unit unit-layers e2e \
	screenshots bench fuzz fuzz-build fuzz-replayers fuzz-replay fmt clean
.DEFAULT_GOAL := all

all: $(B)/daoid $(B)/devsim

# The binaries and unit tests built with ASan + UBSan (+ LeakSanitizer) in build/san.
san:
	@$(MAKE) --no-print-directory $(PAR) B=build/san SAN=1 all tests

# Parallel jobs for the sub-makes: one per core, unless make was given -j itself.
NPROC := $(shell nproc 2>/dev/null || echo 2)
PAR = $(if $(filter -j%,$(MAKEFLAGS)),,-j$(NPROC))

# ---- the two commands ----
run:
	@scripts/deps.sh build
	@$(MAKE) --no-print-directory $(PAR) all
	@scripts/run-local.sh

# Every layer runs with a throwaway PostgreSQL server (tests/with-pg.sh): the store contract
# suite and the browser tests run on SQLite and on PostgreSQL. The builds it needs run as one
# parallel make (test-build): the release binaries and unit tests, and the sanitizer binaries,
# unit tests and fuzz replayers.
test:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory $(PAR) test-build
	@tests/with-pg.sh $(MAKE) --no-print-directory test-layers

test-build: build-release build-san
build-release:
	@$(MAKE) --no-print-directory all tests
build-san:
	@$(MAKE) --no-print-directory B=build/san SAN=1 all tests fuzz-replayers

# `make test` while stress-ng keeps both cores busy: a test that passes only on a quiet machine
# fails here. stress-ng is started before and stopped after, also when a test fails or the run
# is interrupted; the exit status is make test's.
test-loaded:
	@scripts/deps.sh test
	@stress-ng --cpu 2 --timeout 0 --quiet & load=$$!; \
		trap 'kill -TERM $$load 2>/dev/null; wait $$load 2>/dev/null' EXIT; \
		trap 'exit 130' INT TERM; \
		echo "== make test under load (stress-ng --cpu 2, pid $$load)"; \
		$(MAKE) --no-print-directory test

# The unit layers run beside the browser tests, which mostly wait (for a daoid, a page, a mail)
# and leave the cores free; their output is shown when both are done. Both must pass, and both
# run to the end either way, so one run reports every failure.
test-layers:
	@echo "== include arrows point down the layers"
	@tools/layers.sh
	@echo "== browser and black-box tests, and beside them the unit layers (their output follows)"
	@mkdir -p build; \
	$(MAKE) --no-print-directory unit-layers > build/unit-layers.log 2>&1 & unit=$$!; \
	$(MAKE) --no-print-directory e2e; e2e=$$?; \
	wait $$unit; u=$$?; cat build/unit-layers.log; \
	[ $$e2e = 0 ] || echo "FAIL: browser and black-box tests"; \
	[ $$u = 0 ] || echo "FAIL: unit layers (above)"; \
	[ $$e2e = 0 ] && [ $$u = 0 ]

unit-layers:
	@echo "== unit tests (release build)"
	@$(MAKE) --no-print-directory unit
	@echo "== unit tests (ASan + UBSan + LeakSanitizer)"
	@$(MAKE) --no-print-directory B=build/san SAN=1 unit
	@echo "== the systemd unit (systemd-analyze verify, security: exposure at most 2.0)"
	@tests/ops/systemd_unit.sh
	@echo "== fuzz corpora replayed (make fuzz runs the fuzzers)"
	@$(MAKE) --no-print-directory fuzz-replay

# The Debian package (build/deb/daoid_VERSION_amd64.deb) from the release build, and lintian.
# deb-package alone (no lintian) is what make test's install test (tests/e2e/ops_deb) builds.
deb: deb-package
	@lintian --fail-on error build/deb/daoid_*.deb && echo "  lintian: no errors"
	@ls build/deb/*.deb

deb-package: all
	@rm -rf build/deb debian/daoid debian/.debhelper debian/files debian/*.substvars \
		debian/*.debhelper debian/debhelper-build-stamp && mkdir -p build/deb
	@DEB_BUILD_OPTIONS=noautodbgsym dpkg-buildpackage -b -us -uc --no-pre-clean \
		--buildinfo-option=-ubuild/deb --buildinfo-option=-O$(CURDIR)/build/deb/daoid.buildinfo \
		--changes-option=-ubuild/deb --changes-option=-O$(CURDIR)/build/deb/daoid.changes \
		> build/deb/build.log 2>&1 || { tail -40 build/deb/build.log; exit 1; }

bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory all
	@bench/run.sh

# ---- building ----
# embed gzips the static text files once (src/lib/gz.c, zlib), so daoid serves them as they are
$(B)/embed: tools/embed.c src/lib/gz.c src/lib/gz.h
	@mkdir -p $(@D)
	$(call SAY,CC,$<)$(CC) -O1 -Isrc/lib -o $@ tools/embed.c src/lib/gz.c -lz

$(B)/gen/assets.c: $(B)/embed $(ASSETS)
	@mkdir -p $(@D)
	$(call SAY,EMBED,$@)$(B)/embed $@ $(ASSETS)

$(B)/obj/assets.o: $(B)/gen/assets.c
	@mkdir -p $(@D)
	$(call SAY,CC,$<)$(CC) $(CPPFLAGS) $(CFLAGS) -w -c -o $@ $<

# Objects are rebuilt when the flags change (SYSTEMD=, OPT=, a package's flags),
# not only when a source does: $(B)/flags holds them and is rewritten only when they differ.
FLAGS_NOW = $(CC) $(CPPFLAGS) $(CFLAGS) $(SD_DEF) $(PKG_LIBS)
$(B)/flags: FORCE
	@mkdir -p $(@D); echo '$(FLAGS_NOW)' | cmp -s - $@ || echo '$(FLAGS_NOW)' > $@
FORCE:

$(B)/obj/%.o: src/%.c $(B)/flags
	@mkdir -p $(@D)
	$(call SAY,CC,$<)$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(B)/obj/devsim/%.o: tools/devsim/%.c $(B)/flags
	@mkdir -p $(@D)
	$(call SAY,CC,$<)$(CC) $(CPPFLAGS) -Itools/devsim $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(B)/libdaoid.a: $(OBJ)
	$(call SAY,AR,$@)ar rcs $@ $^

$(B)/daoid: $(B)/obj/main.o $(B)/libdaoid.a
	$(call SAY,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/devsim: $(DEVSIM_OBJ) $(B)/libdaoid.a
	$(call SAY,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Unit tests include the .c under test when they need its static helpers (H2O style) and link
# the rest from libdaoid.a.
tests: $(TEST_BIN)
$(B)/tests/%: tests/unit/%.c $(B)/libdaoid.a $(DEVSIM_OBJ)
	@mkdir -p $(@D)
	$(call SAY,TEST,$@)$(CC) $(CPPFLAGS) -Itools/devsim $(CFLAGS) $(PKG_CFLAGS) -Wno-unused-function -o $@ $< \
		$(filter-out $(B)/obj/devsim/devsim.o,$(if $(findstring devsim,$*),$(DEVSIM_OBJ))) $(B)/libdaoid.a \
		$(LDFLAGS) $(PKG_LIBS) $(if $(findstring captcha_img,$*),$(shell pkg-config --libs gdlib)) -lcriterion

# ---- test layers ----
# A sanitizer report fails the run even when Criterion counted the test as passed (LeakSanitizer
# speaks after the test's assertions, when its process exits).
unit: tests
	@set -e; for t in $(TEST_BIN); do \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		$$t --jobs 2 --short-filename > $$t.log 2>&1 || { cat $$t.log; echo "FAIL $$t"; exit 1; }; \
		if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' $$t.log; then \
			cat $$t.log; echo "FAIL $$t: sanitizer report"; exit 1; fi; \
		echo "  ok $$t: $$(grep -o 'Tested: [0-9]*' $$t.log)"; done

e2e:
	@tests/e2e/run.sh

# Coverage-guided fuzzing of the parsers (clang's libFuzzer), FUZZ_SECONDS each (default 20);
# `make test` replays the committed corpora once (tests/fuzz/corpus) as a regression check
# (fuzz-replay, below).
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
fuzz-build:
	@$(MAKE) --no-print-directory B=build/fuzz SAN=fuzz CC=clang build/fuzz/libdaoid.a
	@for t in $(FUZZ_TARGETS); do \
		clang -std=gnu11 -g -O1 -D_GNU_SOURCE $(INC) -fsanitize=fuzzer,address,undefined \
			tests/fuzz/$$t.c build/fuzz/libdaoid.a -o build/fuzz/$$t $(PKG_LIBS) || exit 1; done

fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do c=tests/fuzz/corpus/$${t#fuzz_}; mkdir -p $$c; \
		echo "== $$t ($${FUZZ_SECONDS:-20}s)"; \
		build/fuzz/$$t -max_total_time=$${FUZZ_SECONDS:-20} -max_len=4096 \
			-artifact_prefix=build/fuzz/$$t- $$c > build/fuzz/$$t.log 2>&1 \
			|| { cat build/fuzz/$$t.log; echo "FAIL $$t"; exit 1; }; tail -2 build/fuzz/$$t.log; done

# The replay needs no fuzzer: each target is linked with tests/fuzz/replay.c (a main that runs
# it once on every input) and the ASan + UBSan build, which make test builds anyway. A failing
# input fails the run with the whole report; its name is the last "replay:" line.
REPLAYERS := $(FUZZ_TARGETS:%=$(B)/replay/%)
fuzz-replayers: $(REPLAYERS)
$(B)/replay/%: tests/fuzz/%.c tests/fuzz/replay.c $(B)/libdaoid.a
	@mkdir -p $(@D)
	$(call SAY,FUZZ,$@)$(CC) -std=gnu11 -g $(OPT) -D_GNU_SOURCE $(INC) $(SANFLAGS) -o $@ $< tests/fuzz/replay.c \
		$(B)/libdaoid.a $(LDFLAGS) $(PKG_LIBS)

fuzz-replay:
	@$(MAKE) --no-print-directory $(PAR) B=build/san SAN=1 fuzz-replayers
	@for t in $(FUZZ_TARGETS); do log=build/san/replay/$$t.log; \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		build/san/replay/$$t tests/fuzz/corpus/$${t#fuzz_} > $$log 2>&1 || { cat $$log; echo "FAIL $$t"; exit 1; }; \
		if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' $$log; then \
			cat $$log; echo "FAIL $$t: sanitizer report"; exit 1; fi; \
		echo "  ok $$t: $$(tail -1 $$log)"; done

# Refreshes the README's screenshots (docs/*.png) from the browser tests: home, sign-up, console,
# settings, WeChat and registry at 1280 px and 375 px (NAME.png, NAME-phone.png: a11y_all), the
# tour (console, console_a11y) and the WeChat username step (wechat).
screenshots: all
	@tests/with-pg.sh env E2E_SCREENSHOTS=docs DAOID_BIN=build/daoid DEVSIM_BIN=build/devsim \
		E2E_FILES="./a11y_all.test.mjs ./console.test.mjs ./console_a11y.test.mjs ./wechat.test.mjs" \
		tests/e2e/run.sh

fmt:
	clang-format -i src/*.c src/*/*.c src/*/*.h tools/devsim/*.c tools/devsim/*.h tests/unit/*.c tools/embed.c

clean:
	rm -rf build

-include $(OBJ:.o=.d) $(DEVSIM_OBJ:.o=.d) $(B)/obj/main.d $(TEST_BIN:=.d)
