# Thin wrapper over CMake. `make demo` and `make check` work on a bare Debian
# machine: both install what is missing first (scripts/install-deps).
BUILD   ?= build
ASAN    ?= build-asan
FUZZB   ?= build-fuzz
# Seconds each fuzz target runs in `make fuzz`; FUZZ_TARGETS picks some (default: all).
FUZZ_TIME ?= 60
FUZZ_TARGETS ?= $(basename $(notdir $(filter-out fuzz/replay.c fuzz/common.c,$(wildcard fuzz/*.c))))
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX  ?= /usr/local

.PHONY: all deps build asan check test demo install completions bench clean fuzz fuzz-build

all: build

deps:
	@scripts/install-deps

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

asan: deps
	cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DMLV_SANITIZE=ON >/dev/null
	cmake --build $(ASAN) -j $(JOBS)

# Every test, in the normal build and again in the sanitizer build.
check: build asan
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

demo: build
	MLV=$(CURDIR)/$(BUILD)/mlv scripts/demo.sh

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

# Regenerate the checked-in completion scripts from the command tables.
completions: build
	$(BUILD)/mlv --completion bash > completions/mlv.bash
	$(BUILD)/mlv --completion zsh > completions/_mlv
	$(BUILD)/mlv --completion fish > completions/mlv.fish

# libFuzzer targets (clang, ASan + UBSan): each runs FUZZ_TIME seconds, one
# after another, starting from fuzz/corpus/<target>; what it learns goes to
# $(FUZZB)/corpus/<target>, crashes to $(FUZZB)/crash-<target>-*.
# CONTRIBUTING.md ("Fuzzing") says how to run one longer or in parallel.
fuzz-build: deps
	cmake -S . -B $(FUZZB) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang -DMLV_SANITIZE=ON -DMLV_FUZZ=ON >/dev/null
	cmake --build $(FUZZB) -j $(JOBS)

fuzz: fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZB)/corpus/$$t; \
		echo "fuzz: $$t for $(FUZZ_TIME)s"; \
		$(FUZZB)/fuzz-$$t -max_total_time=$(FUZZ_TIME) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix=$(FUZZB)/crash-$$t- $(FUZZB)/corpus/$$t fuzz/corpus/$$t; \
	done

bench: build
	bench/run-all

clean:
	rm -rf $(BUILD) $(ASAN) $(FUZZB)
