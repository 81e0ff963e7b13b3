# Faxbox build, test and run targets. See README.md.
SHELL     := /bin/bash
GO        ?= go
BIN       := bin
# Debian packages the demo needs (make run): the document converters, so
# that PDF attachments render; the package recommends the same.
RUN_DEBS  := ghostscript poppler-utils
# Debian packages whose programs and libraries the tests use as real peers,
# and the package checks' tools (lintian, curl, jq).
TEST_DEBS := $(RUN_DEBS) lintian curl jq netpbm libtiff-tools jbigkit-testdata jbigkit-bin libspandsp-dev gcc sox lame prometheus argon2 apache2-utils swaks msmtp chromium tshark sip-tester imagemagick webp libreoffice-writer-nogui libreoffice-calc-nogui tesseract-ocr tesseract-ocr-eng
# Test-only code that links real peers through cgo (never in the product).
TEST_TAGS := spandsp
# REALTIME_TAGS name the tests that make test runs after the others,
# without the race detector and side by side (scripts/test-realtime.sh):
# spandsp's calls, and calls on the simulated line at its real speed.
REALTIME_TAGS := spandsp realtime
comma := ,
space := $(subst ,, )
PKGS      := ./...
# The appliance's binary carries no symbol table or DWARF (stack traces
# keep their function names: Go's own tables stay).
LDFLAGS   := -s -w
FUZZTIME  ?= 5m
# The Debian packages' version: the last commit's time (UTC), so that every
# later build is an upgrade.
# Expanded once, so that a commit made meanwhile does not change it.
ifndef DEB_VERSION
DEB_VERSION := 0.1.0+git$(shell TZ=UTC git log -1 --format=%cd --date=format-local:%Y%m%d%H%M%S 2>/dev/null || echo 0)
endif
DIST      := dist

.PHONY: all build run run-deps deb test-deb codec-demo test deps lint vet cross bench bench-codec bench-render bench-daemon bench-ui fuzz interop-full clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/faxd ./firmware

deps:
	@scripts/debs.sh $(TEST_DEBS)

run-deps:
	@scripts/debs.sh $(RUN_DEBS)

# run starts the appliance in demo mode: a simulated modem and line to a
# simulated remote fax machine, SQLite under ./var/demo, the JSON API on
# localhost (the token and examples are printed).
run: run-deps build
	$(BIN)/faxd serve --demo

# codec-demo codes the ITU charts in MH, MR and MMR and decodes them back.
codec-demo: deps build
	@scripts/codec-demo.sh $(BIN)/faxd

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	CGO_ENABLED=0 $(GO) vet $(PKGS)
	# The boards' 32-bit ARM has other syscall types (rusage, rlimits).
	CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=7 $(GO) vet $(PKGS)
	$(GO) mod tidy -diff

# test runs every test with the race detector except the real-time calls
# (the files behind the build tags of REALTIME_TAGS), which
# scripts/test-realtime.sh runs afterwards without it.
test: deps lint
	$(GO) vet -tags $(subst $(space),$(comma),$(REALTIME_TAGS)) $(PKGS)
	$(GO) test -count=1 -race $(PKGS)
	# The codec and rendering again as 32-bit code, as on arm v7 boards.
	CGO_ENABLED=0 GOARCH=386 $(GO) test -count=1 ./pages/ ./pages/render/
	@scripts/test-realtime.sh $(GO) $(REALTIME_TAGS)
	@$(MAKE) --no-print-directory test-deb

cross:
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/faxd-linux-arm64 ./firmware
	CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=7 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/faxd-linux-armv7 ./firmware
	CGO_ENABLED=0 GOOS=linux GOARCH=amd64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/faxd-linux-amd64 ./firmware
	@ls -l $(BIN)/faxd-linux-arm64 $(BIN)/faxd-linux-armv7 $(BIN)/faxd-linux-amd64

# deb builds dist/faxbox_VERSION_{arm64,armhf,amd64}.deb from the cross
# builds with dpkg-deb (scripts/deb.sh, files in packaging/).
deb: cross
	@scripts/deb.sh $(DEB_VERSION) $(DIST) arm64=$(BIN)/faxd-linux-arm64 armhf=$(BIN)/faxd-linux-armv7 amd64=$(BIN)/faxd-linux-amd64

# test-deb checks the packages with lintian, then installs the amd64 one,
# runs faxd as the faxbox user, upgrades it to a higher version keeping
# the data, and purges it (as root; scripts/test-deb.sh).
test-deb: deps deb
	@scripts/deb.sh $(DEB_VERSION).1 $(DIST)/upgrade amd64=$(BIN)/faxd-linux-amd64 >/dev/null
	@scripts/test-deb.sh $(DIST)/faxbox_$(DEB_VERSION)_amd64.deb $(DIST)/upgrade/faxbox_$(DEB_VERSION).1_amd64.deb \
	  $(DIST)/faxbox_$(DEB_VERSION)_arm64.deb $(DIST)/faxbox_$(DEB_VERSION)_armhf.deb

bench: deps bench-codec bench-render bench-daemon
	$(GO) test -run '^$$' -bench . -benchmem -tags $(TEST_TAGS) $(PKGS)

bench-codec: deps build
	@scripts/bench-codec.sh $(BIN)/faxd

# bench-render times faxd render against gs -sDEVICE=tiffg3 on the same
# text and photo PDFs, a 4000x3000 JPEG, and the peak memory of a 50-page
# PDF; and compares the MMR bytes of photo pages with gs -sDEVICE=tiffg4.
bench-render: deps build
	@scripts/bench-render.sh $(BIN)/faxd

# interop-full runs the whole interoperability matrix with spandsp (every
# rate, coding and ECM setting, both directions); real time, about 15 min.
interop-full: deps
	set -o pipefail; $(GO) test -count=1 -timeout 40m -tags '$(TEST_TAGS) interopfull' -run TestInteropFull -v ./t30/ 2>&1 \
	  | grep -E '^( *--- |    .*_test.go|ok|FAIL|PASS)'

# bench-daemon measures faxd serve --demo: start-up to ready, idle RSS,
# RSS while sending.
bench-daemon: deps build
	@scripts/bench-daemon.sh $(BIN)/faxd

# bench-ui measures the web UI's targets against faxd serve --demo: a call's
# events to chromium's outbox page (ms), and faxd's memory with 200 event
# stream clients (MiB); see ui/bench_test.go. make bench runs them too,
# with every other benchmark.
bench-ui: deps
	$(GO) test -count=1 -timeout 20m -run '^$$' -bench 'EventToBrowser|WebsocketClients' -benchtime 1x ./ui/

# fuzz runs every fuzz target of the codec and of T.38 for FUZZTIME each.
fuzz:
	@for p in ./pages ./t38; do for f in $$($(GO) test -list 'Fuzz.*' $$p | grep ^Fuzz); do \
	  echo "== $$p $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$p || exit 1; done; done

clean:
	rm -rf $(BIN) $(DIST)
