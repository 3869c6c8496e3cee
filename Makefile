# fapiao — the two commands a newcomer needs are `make run` and `make test`.

GO      ?= go
STORE   ?= bolt://./data/fapiao.db
ADDR    ?= 127.0.0.1:8080
FUZZTIME ?= 20s

.PHONY: run test bench lint fuzz build clean

## run: the server on the embedded store with demo data (prints URL and demo tokens)
run:
	$(GO) run ./cmd/fapiao serve --demo --store $(STORE) --addr $(ADDR)

## test: vet, then every test race-enabled (browser tests need Debian's chromium; .ci/run installs it)
# A race-enabled binary sleeps a second as it exits (the race runtime's
# atexit_sleep_ms; pending race reports are still waited for without it):
# off, so that each of some 25 test binaries and each server or child they
# start does not cost a second more (a third of cmd/fapiao's wall time).
test:
	$(GO) vet ./...
	GORACE="atexit_sleep_ms=0 $$GORACE" $(GO) test -race -count=1 -timeout 20m ./...

## bench: the benchmarks of record, short version
bench:
	$(GO) run ./cmd/fapiao bench all --short

## lint: formatting and vet
lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...

## fuzz: each fuzz target for FUZZTIME
fuzz:
	@for pkg in $$($(GO) list ./...); do \
		for name in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "fuzz $$pkg $$name"; \
			$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

build:
	$(GO) build -o bin/fapiao ./cmd/fapiao

clean:
	rm -rf bin data
