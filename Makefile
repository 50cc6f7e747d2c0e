# lbsim: build, test, benchmark. `make test` is what CI runs.
GO ?= go
BIN := bin/lbsim

.PHONY: all build test lint bench fuzz run tutorial e2e playground-screenshot dist clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/lbsim

# Vet and format checks, every test, the race detector over the live proxy,
# the algorithms it shares across goroutines, lbsim live, the playground
# server and the simulator's parallel runs, then every bundled scenario's
# lesson (its expect: lines) over five seeds.
test: lint build
	$(GO) test ./...
	$(GO) test -race ./algorithms/... ./proxy/... ./live/... ./playground/...
	$(GO) test -race -run='^(TestMaxRequests|TestContextStopsRuns|TestCompare.*)$$' ./sim/
	./$(BIN) check --seeds 5 scenarios/bundled/*.yaml

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# Simulator throughput and the peak RSS of a 10-million-request run, the
# replay of an access log (lines/s, and the peak RSS of a 10-million-line
# log), a
# sweep's wall time on one core and on two (its speed-up with cores), the
# per-package micro-benchmarks, and one request through the proxy on one core
# (its allocations are the proxy's own). bench/proxy.sh compares the proxy
# with nginx and HAProxy.
bench:
	$(GO) test -run='^$$' -bench='^(BenchmarkThroughput|BenchmarkBalancers)$$' -benchtime=3x -cpu=1 ./sim/
	$(GO) test -run='^$$' -bench='^BenchmarkLargePool$$' -benchtime=1x -count=3 -cpu=1 ./sim/
	$(GO) test -run='^$$' -bench='^BenchmarkPeakRSS$$' -benchtime=1x ./sim/
	$(GO) test -run='^$$' -bench='^BenchmarkTraceReplay$$' -benchtime=3x -cpu=1 ./sim/
	$(GO) test -run='^$$' -bench='^BenchmarkTracePeakRSS$$' -benchtime=1x ./sim/
	$(GO) test -run='^$$' -bench='^BenchmarkSweep$$' -benchtime=3x -cpu=1,2 ./sim/
	$(GO) test -run='^$$' -bench=. -benchmem ./algorithms/ ./workloads/... ./results/ ./report/
	$(GO) test -run='^$$' -bench='^BenchmarkHTTP$$' -benchmem -cpu=1 ./proxy/

# Short fuzzing of every parser: scenario files, expectations, access logs
# and the nginx and HAProxy configs lbsim import reads.
fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=60s ./scenarios/
	$(GO) test -run='^$$' -fuzz='^FuzzParseExpectation$$' -fuzztime=60s ./check/
	$(GO) test -run='^$$' -fuzz='^FuzzReader$$' -fuzztime=60s ./workloads/accesslog/
	$(GO) test -run='^$$' -fuzz='^FuzzParseAddr$$' -fuzztime=30s ./workloads/accesslog/
	$(GO) test -run='^$$' -fuzz='^FuzzNginx$$' -fuzztime=60s ./importer/
	$(GO) test -run='^$$' -fuzz='^FuzzHAProxy$$' -fuzztime=60s ./importer/

# The main job on a bundled scenario.
run: build
	./$(BIN) run mixed-50ms-5s

# The charts docs/tutorial.md shows, drawn again by the commands it gives.
tutorial: build
	./$(BIN) run nat-skew --out out/nat-skew --quiet >/dev/null
	./$(BIN) sweep identical-stateless --vary load=0.5:0.95:0.05 --out out/sweep --quiet >/dev/null
	./$(BIN) run mixed-50ms-5s --out out/mixed --quiet >/dev/null
	./$(BIN) run heterogeneous --out out/heterogeneous --quiet >/dev/null
	./$(BIN) run crash-without-health-checks --out out/crash --quiet >/dev/null
	./$(BIN) run crash-with-health-checks --out out/failover --quiet >/dev/null
	mkdir -p docs/tutorial
	cp out/nat-skew/server-utilization.png docs/tutorial/nat-skew-utilization.png
	cp out/sweep/sweep.png docs/tutorial/sweep.png
	cp out/mixed/latency-cdf.png docs/tutorial/mixed-latency-cdf.png
	cp out/mixed/ccdf.png docs/tutorial/mixed-ccdf.png
	cp out/heterogeneous/server-utilization.png docs/tutorial/heterogeneous-utilization.png
	cp out/crash/failures-over-time.png docs/tutorial/crash-failures.png
	cp out/failover/p99-over-time.png docs/tutorial/failover-p99.png

# The playground (lbsim serve) in headless Chromium, as a learner uses it:
# pick, run, pin, change a key, step through explain, break the YAML. It
# skips, saying why, when Chromium is missing and cannot be installed.
e2e:
	$(GO) vet -tags e2e ./playground/
	$(GO) test -tags e2e -count=1 -v -run '^TestPlaygroundInChromium$$' ./playground/

# docs/playground.png, taken by the same test.
playground-screenshot:
	LBSIM_PLAYGROUND_SCREENSHOT=$(CURDIR)/docs/playground.png $(GO) test -tags e2e -count=1 -run '^TestPlaygroundInChromium$$' ./playground/

# Release archives in dist/: a static lbsim for each platform, stamped
# with VERSION (default: git describe --tags --always --dirty), checked,
# packed reproducibly with the README, and SHA256SUMS. See docs/install.md.
dist:
	rm -rf dist
	$(GO) run ./internal/cmd/mkdist -out dist -version "$(VERSION)" -go "$(GO)"

clean:
	rm -rf bin out dist
