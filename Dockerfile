# One image holding every server binary of the bundle (fs-server, sql-server,
# github-server, notion-server), run as uid/gid 65532. See the README's "Docker" section.
#   docker build -t mcp-bundle .                 podman: podman build --format docker -t mcp-bundle .
#   docker run --rm -i -v "$PWD:/data:ro" mcp-bundle fs-server /data                     # stdio
#   docker run --rm -p 127.0.0.1:8080:8080 -e MCP_HTTP=0.0.0.0:8080 \
#       -e MCP_AUTH_TOKEN="$MCP_AUTH_TOKEN" -v "$PWD:/data:ro" mcp-bundle fs-server /data # HTTP
#
# Build cache: RUN --mount=type=cache (BuildKit, Docker's default builder since 23.0, and
# podman/buildah) keeps crates.io downloads and compiled crates between builds, so a
# source change recompiles only the crates it touches instead of every dependency.

FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY . .
# The binaries are copied out of the cached target/, which is not part of the layer.
RUN --mount=type=cache,id=mcp-bundle-cargo-registry,target=/usr/local/cargo/registry \
    --mount=type=cache,id=mcp-bundle-target,target=/src/target,sharing=locked \
    cargo build --release --locked \
        -p fs-server -p sql-server -p github-server -p notion-server \
    && mkdir /out \
    && cp target/release/fs-server target/release/sql-server \
          target/release/github-server target/release/notion-server /out/

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ /usr/local/bin/
# Run as an unprivileged user; mount data read-only, readable by uid 65532.
USER 65532:65532
ENV RUST_LOG=info
# HTTP servers: set MCP_HTTP=0.0.0.0:8080 (the servers' --http, from the environment) so
# the health check below can read the address too. MCP_HTTP stays unset here: an empty
# value is not "unset" to the servers but an invalid address.
EXPOSE 8080
# Any of the four binaries can probe: `healthcheck` sends GET /healthz to $MCP_HTTP
# (0.0.0.0 probed on 127.0.0.1) and exits 0 on a 200; without MCP_HTTP (a stdio
# container) there is nothing to probe and it exits 0. MCP_CONFIG is dropped for the
# probe: fs-server would refuse another server's config file (unknown keys).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["env", "-u", "MCP_CONFIG", "fs-server", "healthcheck"]
CMD ["fs-server", "--help"]
