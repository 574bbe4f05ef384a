# openvmbus top-level Makefile.
#
# kvmtool-style: every object is listed explicitly, in a Build.mk beside the
# code it belongs to (found below and included here). `V=1` shows commands.
#
#   make            userspace (host, tools, benchmarks) into build/
#   make modules    guest kernel modules for KVER (default: Debian 6.1 cloud)
#   make modules-next  the same for Debian sid's next kernel (7.2; check-long)
#   make check      everything that is a test
#   make check-long its long versions (PAIR_LONG=1, longer fuzzing)
#   make fuzz-long  each fuzz target for FUZZ_SECONDS (1800), corpus kept
#   make check-kasan  the guest-side pair cases on a KASAN+lockdep L2 kernel
#   make demo       show the project working
#
# A Build.mk (or <topic>.build.mk) only appends to the lists below and defines <name>_OBJS for each
# program it adds; the rules that turn those into files live here, once.

V ?= 0
ifeq ($(V),1)
Q :=
else
Q := @
MAKEFLAGS += --no-print-directory
endif

BUILD    ?= build
CC       := gcc
FUZZ_CC  := clang
SETUP    := scripts/setup

# The Debian 6.1 cloud kernel is the default guest kernel (its headers are
# installed by scripts/setup).
KVER ?= $(shell ls -d /usr/src/linux-headers-6.1.*-cloud-amd64 2>/dev/null | \
		sed 's|.*/linux-headers-||' | sort -V | tail -n1)
# Every kernel whose headers setup installs; modules must build against each.
KVERS_ALL ?= $(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | \
		sed 's|.*/linux-headers-||' | sort -V)

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	    -Wmissing-prototypes -Wno-unused-parameter
CPPFLAGS := -Iinclude -I. -D_GNU_SOURCE
CFLAGS   := -std=c11 -O2 -g $(WARN) -MMD -MP -pthread
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer \
	    -fno-sanitize-recover=undefined
LDLIBS   := -pthread

# Filled in by the Build.mk fragments.
PROGS        :=	# userspace programs: build/<name>
BENCHES      :=	# benchmarks: build/bench/<name> (not run by make check)
UNIT_TESTS   :=	# cmocka tests, built with ASan+UBSan: build/san/<name>
FUZZERS      :=	# libFuzzer targets: build/fuzz/<name>
CHECKS       :=	# extra phony targets that make check runs (e.g. pair cases)
FUZZ_SECONDS ?= 10

# The guest modules (modules.list, the one list of them): $(call modlist,
# COLUMN,PACKAGED) gives column 1 (name) or 2 (directory) of the lines whose
# third column matches PACKAGED (yes, no, or yes|no).
modlist = $(shell awk '$$1 !~ /^[#]/ && NF == 3 && $$3 ~ /^($(2))$$/ { print $$$(1) }' modules.list)
KMOD_NAMES := $(call modlist,1,yes|no)
KMOD_DIRS  := $(sort $(call modlist,2,yes|no))

# Build.mk per directory; where several owners share a directory (tests/unit,
# tests/fuzz, bench) each has its own <topic>.build.mk.
FRAGMENTS := $(sort $(shell find . \( -name Build.mk -o -name '*.build.mk' \) \
		-not -path './build/*' -not -path './.git/*'))
# lib/ first: other fragments use its object lists.
include lib/Build.mk
include $(filter-out ./lib/Build.mk,$(FRAGMENTS))

.DEFAULT_GOAL := all
.PHONY: all setup modules modules-all modules-next check check-unit check-fuzz \
	check-long fuzz-long headers-check demo clean bench

all: setup $(addprefix $(BUILD)/,$(PROGS)) $(addprefix $(BUILD)/bench/,$(BENCHES))

setup:
	$(Q)$(SETUP)

# ---- userspace objects: normal, sanitized, fuzz ---------------------------
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $($*_CFLAGS) -c -o $@ $<

$(BUILD)/san/obj/%.o: %.c
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC-SAN  $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -O1 $(SAN) -c -o $@ $<

$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC-FUZZ $<")
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(filter-out -MMD -MP,$(CFLAGS)) -MMD -MP -O1 \
		-fsanitize=fuzzer-no-link,address,undefined -c -o $@ $<

# One link rule per program, from its <name>_OBJS and <name>_LDLIBS.
define PROG_template
$(BUILD)/$(1): $$(addprefix $(BUILD)/obj/,$$($(1)_OBJS))
	@mkdir -p $$(@D)
	$$(if $$(Q),@echo "  LD      $$@")
	$$(Q)$$(CC) $$(CFLAGS) -o $$@ $$^ $$($(1)_LDLIBS) $$(LDLIBS)
endef
define BENCH_template
$(BUILD)/bench/$(1): $$(addprefix $(BUILD)/obj/,$$($(1)_OBJS))
	@mkdir -p $$(@D)
	$$(if $$(Q),@echo "  LD      $$@")
	$$(Q)$$(CC) $$(CFLAGS) -o $$@ $$^ $$($(1)_LDLIBS) $$(LDLIBS)
endef
define UNIT_template
$(BUILD)/san/$(1): $$(addprefix $(BUILD)/san/obj/,$$($(1)_OBJS))
	@mkdir -p $$(@D)
	$$(if $$(Q),@echo "  LD-SAN  $$@")
	$$(Q)$$(CC) $$(CFLAGS) $$(SAN) -o $$@ $$^ -lcmocka $$($(1)_LDLIBS) $$(LDLIBS)
endef
define FUZZ_template
$(BUILD)/fuzz/$(1): $$(addprefix $(BUILD)/fuzz/obj/,$$($(1)_OBJS))
	@mkdir -p $$(@D)
	$$(if $$(Q),@echo "  LD-FUZZ $$@")
	$$(Q)$$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $$@ $$^ $$($(1)_LDLIBS) $$(LDLIBS)
endef
$(foreach p,$(PROGS),$(eval $(call PROG_template,$(p))))
$(foreach p,$(BENCHES),$(eval $(call BENCH_template,$(p))))
$(foreach p,$(UNIT_TESTS),$(eval $(call UNIT_template,$(p))))
$(foreach p,$(FUZZERS),$(eval $(call FUZZ_template,$(p))))

# (build/kasan holds a kernel tree: not ours to include)
-include $(shell find $(BUILD) -path $(BUILD)/kasan -prune -o -name '*.d' -type f -print 2>/dev/null)

# ---- headers: each include/ovb header compiles alone, pedantic ------------
HEADERS := $(sort $(wildcard include/ovb/*.h))
headers-check: setup
	$(Q)for h in $(HEADERS); do \
		printf '#include "%s"\n' "$${h#include/}" | \
		$(CC) -std=c11 -Iinclude -Wall -Wextra -Wpedantic -Werror \
			-x c -fsyntax-only - || { echo "headers-check: $$h FAILED"; exit 1; }; \
	done; echo "headers-check: $(words $(HEADERS)) headers compile alone"

# ---- guest kernel modules (kbuild) -----------------------------------------
# Sources are copied to build/kmod/<kver>/ so several kernels build side by
# side and the source tree stays clean. The modules and their directories
# come from modules.list (above; the top-level Kbuild reads it too).
KMOD_SRC := Kbuild modules.list include lib $(KMOD_DIRS)
# W=1 extra warnings and C=2 sparse on every file; any warning fails.
KMOD_FLAGS ?= W=1 C=2
# KDIR: a kernel build tree other than KVER's installed headers (check-kasan).
KDIR ?=

define kmod_build
	@rm -rf $(BUILD)/kmod/$(1) && mkdir -p $(BUILD)/kmod/$(1)
	$(Q)cp -r --parents $(KMOD_SRC) $(BUILD)/kmod/$(1)/
	$(Q){ $(MAKE) -C $(or $(KDIR),/lib/modules/$(1)/build) M=$(CURDIR)/$(BUILD)/kmod/$(1) \
		$(KMOD_FLAGS) $(if $(V:0=),V=1) modules 2>&1; \
		echo $$? > $(BUILD)/kmod/$(1).rc; } | tee $(BUILD)/kmod/$(1).log
	$(Q)[ "$$(cat $(BUILD)/kmod/$(1).rc)" = 0 ] || { echo "modules: build failed for $(1)"; exit 1; }
	$(Q)if grep -E 'warning:|error:|C=[12] specified, but' $(BUILD)/kmod/$(1).log | \
		grep -v '^make\[[0-9]*\]: warning: jobserver unavailable'; then \
		echo "modules: warnings building for $(1)"; exit 1; fi
	$(Q)n=0; for m in $(KMOD_NAMES); do \
		[ -n "$$(find $(BUILD)/kmod/$(1) -name $$m.ko)" ] && n=$$((n + 1)) || \
			echo "modules: $(1): $$m.ko was not built"; \
	done; [ $$n = $(words $(KMOD_NAMES)) ] || exit 1; \
	echo "modules: $(1): $$n modules, no warnings"
endef

modules: setup
	$(Q)[ -n "$(KVER)" ] || { echo "modules: no Debian 6.1 cloud kernel headers (KVER=): run scripts/setup"; exit 1; }
	$(call kmod_build,$(KVER))

# Fails when no kernel's headers are there: a build of nothing is no pass.
modules-all: setup
	$(Q)[ -n "$(KVERS_ALL)" ] || { echo "modules-all: no kernel headers in /usr/src"; exit 1; }
	$(Q)for k in $(KVERS_ALL); do $(MAKE) modules KVER=$$k || exit 1; done

# modules-next: the modules for Debian's next kernel series (sid's 7.2:
# cloud-amd64, amd64, and amd64 without CONFIG_HYPERV), against the trees
# scripts/kernel-next prepares and caches in /var/cache/openvmbus, with
# DKMS's own build for the cloud one. An empty cache costs about 6.5
# minutes on 2 loaded cores (a warm one seconds), over make check's
# budget: make check-long runs it.
KNEXT_TREES := $(BUILD)/kernel-next.trees
modules-next: setup
	@mkdir -p $(BUILD)
	$(Q)scripts/kernel-next > $(KNEXT_TREES)
	$(Q)while read -r rel tree sparse; do \
		$(MAKE) modules KVER=$$rel KDIR=$$tree CHECK=$$sparse || exit 1; \
	done < $(KNEXT_TREES)
	$(Q)read -r rel tree sparse < $(KNEXT_TREES) && \
		$(MAKE) dkms-build KVER=$$rel KDIR=$$tree DKMS_DIR=$(BUILD)/dkms-next
CHECKS += $(if $(PAIR_LONG),modules-next)

# ---- tests -----------------------------------------------------------------
check-unit: setup $(addprefix $(BUILD)/san/,$(UNIT_TESTS))
	$(Q)fail=0; for t in $(UNIT_TESTS); do \
		echo "== unit: $$t"; \
		ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
			$(BUILD)/san/$$t || fail=1; \
	done; exit $$fail

# FUZZ_JOBS targets at a time (one per CPU: each still gets FUZZ_SECONDS of
# a CPU, and the phase takes 1/FUZZ_JOBS of the time); a line per target
# when it ends, its log's tail if it failed.
FUZZ_JOBS ?= $(shell nproc)
check-fuzz: setup $(addprefix $(BUILD)/fuzz/,$(FUZZERS))
	$(Q)printf '%s\n' $(FUZZERS) | xargs -P $(FUZZ_JOBS) -I{} sh -c '\
		f={}; mkdir -p $(BUILD)/fuzz/corpus/$$f; \
		if $(BUILD)/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 \
			$(BUILD)/fuzz/corpus/$$f $$( [ -d tests/fuzz/seeds/$$f ] && echo tests/fuzz/seeds/$$f ) \
			2>$(BUILD)/fuzz/$$f.log; then \
			echo "== fuzz: $$f ($(FUZZ_SECONDS) s): $$(grep -E "^(#[0-9]+.*DONE|Done)" $(BUILD)/fuzz/$$f.log | tail -n1)"; \
		else echo "== fuzz: $$f FAILED"; tail -n 60 $(BUILD)/fuzz/$$f.log; exit 1; fi'

check: setup all headers-check modules-all check-unit check-fuzz $(CHECKS)
	@echo "check: all passed"

# check-long: make check's long versions: each fuzz target for FUZZ_SECONDS
# (600 unless given), and the pair with PAIR_LONG=1, which a case reads to
# run its long version (and "# timeout-long: S" for its limit). Not part
# of make check.
check-long:
	$(Q)PAIR_LONG=1 $(MAKE) check \
		FUZZ_SECONDS=$(if $(filter command line environment,$(origin FUZZ_SECONDS)),$(FUZZ_SECONDS),600)

# fuzz-long: each fuzz target for FUZZ_SECONDS of CPU time (1800 unless
# given), FUZZ_JOBS at a time (the number of CPUs unless given), niced, from
# the kept corpus tests/fuzz/seeds/<target>, which then becomes the merge of
# itself and what the run found: tests/fuzz/fuzz-long. Prints executions and
# coverage per target; a crash fails (its input is in build/fuzz/long/).
FUZZ_LONG_SECONDS = $(if $(filter command line environment,$(origin FUZZ_SECONDS)),$(FUZZ_SECONDS),1800)
fuzz-long: setup $(addprefix $(BUILD)/fuzz/,$(FUZZERS))
	$(Q)tests/fuzz/fuzz-long $(BUILD) $(FUZZ_LONG_SECONDS) $(FUZZ_JOBS) $(FUZZERS)

bench: setup $(addprefix $(BUILD)/bench/,$(BENCHES))

demo: setup all dkms-build
	$(Q)scripts/demo
	$(Q)echo "demo: the VMBus ring at work (bench/ring, ~3 s):"
	$(Q)$(BUILD)/bench/ring 0.1

clean:
	rm -rf $(BUILD)
