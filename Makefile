# logout-fcgi: build, run behind nginx, test, benchmark.
SWIFT ?= swift
PYTHON ?= python3
BENCH_ARGS ?=

.PHONY: all build release run test bench clean

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

# e.g. make bench BENCH_ARGS="--duration 5"
bench:
	scripts/bench.sh $(BENCH_ARGS)

clean:
	$(SWIFT) package clean
