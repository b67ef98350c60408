# logout-fcgi: build, run behind nginx, test, benchmark, package.
SWIFT ?= swift
PYTHON ?= python3
BENCH_ARGS ?=

# The one place the version lives is the binary's own source.
VERSION := $(shell sed -n 's/^ *static let current = "\(.*\)"$$/\1/p' Sources/logout-fcgi/Version.swift)
DEB := dist/logout-fcgi_$(VERSION)_$(shell dpkg --print-architecture 2>/dev/null || echo amd64).deb
# The Swift runtime linked in: the host needs no Swift toolchain.
RELEASE_FLAGS := -c release --static-swift-stdlib

.PHONY: all build release run test no-icu allocations allocation-thresholds fuzz bench deb lint-deb clean

all: build

build:
	$(SWIFT) build

release:
	$(SWIFT) build $(RELEASE_FLAGS)

# The responder behind nginx on http://127.0.0.1:8080 against the local Supabase Auth stand-in.
run:
	scripts/dev-run.sh

# The tests that hold a revocation (its retries, or a refresh and a logout) to a deadline of a few
# seconds, run one at a time: between two steps the revocation client waits for a thread of Swift's
# cooperative pool, as wide as the machine has cores, and beside the other suites (dozens of stand-ins
# starting, keys generated) that wait has reached seconds on 2 cores.
DEADLINE_TESTS := RevocationClientTests/(aSlowUpstreamIsCutOffAtTheDeadline|aRetryGetsOnlyTheTimeThatIsLeft)\(|SessionRefreshTests/(bothCallsShareOneDeadline|aRateLimitWithAShortRetryAfterIsWaitedOut)\(|RouterTests/anUpstreamPastTheDeadlineFailsWithinIt\(|HTTPClientLoadTests/aStalledTransferTimesOutWhileOthersFinish\(

# Swift tests, the stand-in's and the end-to-end tests (real nginx, real binary), the release binary
# without ICU, the allocation budget, then lintian on the package; any failure fails make.
test:
	$(SWIFT) build --build-tests
	# The transport's and systemd's timing tests alone first: beside the suites that start dozens of
	# stand-in processes at once, a 2-core machine starves their event loops past every limit.
	$(SWIFT) test --skip-build --filter '^(FastCGITests|SystemdTests)\.'
	$(SWIFT) test --skip-build --no-parallel --filter '$(DEADLINE_TESTS)'
	$(SWIFT) test --skip-build --skip '^(FastCGITests|SystemdTests)\.' --skip '$(DEADLINE_TESTS)'
	$(PYTHON) -m pytest -q Tests/Stub Tests/Integration
	$(MAKE) --no-print-directory no-icu
	scripts/check-allocations.sh
	$(MAKE) lint-deb

# The release binary links neither ICU nor Foundation. The same build as make deb (the deployment
# tests make one), so after them this only inspects it.
no-icu:
	$(SWIFT) build $(RELEASE_FLAGS) --product logout-fcgi
	scripts/check-no-icu.sh "$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/logout-fcgi"

# Mallocs per request on the in-memory request path (Benchmarks/), checked against Benchmarks/Thresholds.
allocations:
	scripts/check-allocations.sh

# Records the current malloc counts as the thresholds (after a change that allocates less).
allocation-thresholds:
	$(SWIFT) package --allow-writing-to-package-directory benchmark thresholds update \
	  --target LogoutBenchmarks --path "$$PWD/Benchmarks/Thresholds" --no-progress
	scripts/strip-thresholds.py Benchmarks/Thresholds

# Long fuzz runs: make fuzz SEED=7 N=100000 (make test runs a few thousand cases of a fixed seed).
SEED ?= $(shell date +%s)
N ?= 20000
fuzz: build
	FUZZ_SEED=$(SEED) FUZZ_CASES=$(N) $(PYTHON) -m pytest -q -s Tests/Integration/test_fuzz.py

# e.g. make bench BENCH_ARGS="--duration 5"
bench:
	scripts/bench.sh $(BENCH_ARGS)

# dist/logout-fcgi_<version>_<arch>.deb: the release binary, its manual page, the systemd units, the
# nginx files, the copyright and changelog.
deb:
	$(SWIFT) build $(RELEASE_FLAGS) --product logout-fcgi
	SWIFT="$(SWIFT)" scripts/build-man.sh "$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/logout-fcgi" dist/logout-fcgi.8
	scripts/build-deb.sh "$(VERSION)" "$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/logout-fcgi" \
	  dist/logout-fcgi.8 "$(DEB)"

# lintian on the package: any error or warning not overridden (with its reason, in
# packaging/deb/lintian-overrides) fails; info-level hints are shown.
lint-deb: deb
	lintian --fail-on error,warning --display-info "$(DEB)"

clean:
	$(SWIFT) package clean
