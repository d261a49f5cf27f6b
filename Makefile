# The commands the README shows. Nothing here needs more than the Rust toolchain,
# except `test` (Python 3 for the interop tests, pip installs the pinned SDK into
# .venv; npm for the conformance suite, installed with apt-get if missing) and
# `bench` (installs ripgrep and hyperfine with apt-get if missing).

CARGO ?= cargo
PYTHON_VENV := .venv/bin/python
# The servers `make install` puts on the PATH with `cargo install`.
SERVERS := fs-server sql-server github-server notion-server

.PHONY: build test test-rust test-interop test-conformance lint bench install demo docker clean

build:
	$(CARGO) build --workspace --bins

## Every test: Rust unit, integration and end-to-end tests, then the interop tests
## that drive the servers with the official Python MCP SDK over stdio and HTTP, then
## the official MCP conformance suite and the Inspector's --strict schema check
## against all four servers over HTTP (npm packages pinned in integration/conformance).
test: build test-rust test-interop test-conformance

test-rust:
	-integration/sql/ssh/setup.sh
	integration/scale/setup.sh
	$(CARGO) test --workspace

test-interop: build
	integration/python/setup.sh
	$(PYTHON_VENV) -m pytest integration/python -q
	$(PYTHON_VENV) -m pytest integration/sql -q -p no:cacheprovider
	$(PYTHON_VENV) -m pytest integration/api -q
	integration/oauth/setup.sh
	$(PYTHON_VENV) -m pytest integration/oauth -q
	integration/scale/setup.sh
	$(PYTHON_VENV) -m pytest integration/scale -q

test-conformance: build
	integration/conformance/run.sh

## Format, clippy with warnings denied (missing_docs included, see [workspace.lints]),
## and unused dependencies (cargo-machete, installed pinned when missing).
MACHETE_VERSION := 0.9.2
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	@command -v cargo-machete >/dev/null || $(CARGO) install --locked cargo-machete --version $(MACHETE_VERSION)
	$(CARGO) machete

## Benchmarks side by side with the references they name (rg, find; sqlx and
## @modelcontextprotocol/server-postgres, which needs npm and POSTGRES_URL;
## @notionhq/notion-mcp-server against the fake Notion, which needs npm), write
## and edit latency, and the transports' soak-and-abuse run (half-open floods, idle
## sessions, SIGTERM during calls, malformed input); prints tables and writes
## bench-data/results-*.md.
bench:
	integration/bench/run.sh
	BENCH_NO_BUILD=1 integration/bench/fs_write_bench.sh
	integration/sql/bench.sh
	integration/bench/notion_compare.sh
	integration/bench/abuse.sh
	integration/bench/scale_bench.sh

install:
	@for s in $(SERVERS); do $(CARGO) install --locked --path servers/$$s || exit 1; done

## fs-server on this repository's servers/ folder, sql-server on a SQLite shop built
## from integration/sql/sample.sql, then github-server and notion-server against the
## local fake APIs (no token, no network), each driven by a real MCP client.
demo:
	$(CARGO) build --quiet -p fs-server -p sql-server -p github-server -p notion-server -p e2e --bins
	./target/debug/mcp-demo fs
	./target/debug/mcp-demo sql
	./target/debug/mcp-demo github
	./target/debug/mcp-demo notion

docker:
	docker build -t mcp-bundle .

clean:
	$(CARGO) clean
	rm -rf .venv bench-data
