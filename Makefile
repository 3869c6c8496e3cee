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
test:
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 20m ./...

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
