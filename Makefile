# logout-fcgi: build, run behind nginx, test, benchmark.
SWIFT ?= swift
PYTHON ?= python3
BENCH_ARGS ?=

.PHONY: all build release run test fuzz bench clean

all: build

build:
	$(SWIFT) build

release:
	$(SWIFT) build -c release

# The responder behind nginx on http://127.0.0.1:8080 against the local Supabase Auth stand-in.
run:
	scripts/dev-run.sh

# Swift tests, then the stand-in's and the end-to-end tests (real nginx, real binary); any failure fails make.
test:
	$(SWIFT) build --build-tests
	$(SWIFT) test
	$(PYTHON) -m pytest -q Tests/Stub Tests/Integration

# Long fuzz runs: make fuzz SEED=7 N=100000 (make test runs a few thousand cases of a fixed seed).
SEED ?= $(shell date +%s)
N ?= 20000
fuzz: build
	FUZZ_SEED=$(SEED) FUZZ_CASES=$(N) $(PYTHON) -m pytest -q -s Tests/Integration/test_fuzz.py

# e.g. make bench BENCH_ARGS="--duration 5"
bench:
	scripts/bench.sh $(BENCH_ARGS)

clean:
	$(SWIFT) package clean
