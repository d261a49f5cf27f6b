# One image holding every server binary of the bundle.
#   docker build -t mcp-bundle .
#   docker run --rm -i -v "$PWD:/data:ro" mcp-bundle fs-server /data          # stdio
#   docker run --rm -p 127.0.0.1:8080:8080 -e MCP_AUTH_TOKEN=... -v "$PWD:/data:ro" \
#       mcp-bundle fs-server --http 0.0.0.0:8080 /data                        # HTTP

FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked \
        -p fs-server -p sql-server -p github-server -p notion-server \
    && mkdir /out \
    && cp target/release/fs-server target/release/sql-server \
          target/release/github-server target/release/notion-server /out/

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ /usr/local/bin/
# Run as an unprivileged user; mount data read-only.
USER 65532:65532
ENV RUST_LOG=info
CMD ["fs-server", "--help"]
