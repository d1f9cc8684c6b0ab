# Thin wrapper over CMake. `make demo` and `make check` work on a bare Debian
# machine: both install what is missing first (scripts/install-deps).
BUILD   ?= build
ASAN    ?= build-asan
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX  ?= /usr/local

.PHONY: all deps build asan check test demo install completions bench clean

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

bench: build
	bench/run-all

clean:
	rm -rf $(BUILD) $(ASAN)
