# syntax=docker/dockerfile:1
# The container image (operations.md §15, docs/deploy.md). The build stage runs the release
# command, scripts/release.sh, so the image holds exactly the folder a VM would get; the runtime
# stage is slim Debian with a non-root user. Build: docker build -t callbackcloser .

# Node.js 20 for the npm build tools (Tailwind CSS, wasm-opt); Debian 12's is too old.
FROM node:20-bookworm-slim AS node

FROM rust:1.95-slim-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates git pkg-config gcc g++ make \
    && rm -rf /var/lib/apt/lists/*
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
    && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
ENV CALLBACKCLOSER_CACHE=/cache CARGO_TARGET_DIR=/cache/target
WORKDIR /src
COPY . .
# Cache mounts keep cargo's registry, the target directory and the npm tools between builds;
# the tools (cargo-leptos, wasm-bindgen-cli) install once into the image layer's ~/.cargo/bin.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/cache \
    ./scripts/release.sh /dist/callbackcloser

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /app --shell /usr/sbin/nologin callbackcloser
WORKDIR /app
COPY --from=build --chown=root:root /dist/callbackcloser/ /app/
# Production by default; everything else (DATABASE_URL, PUBLIC_BASE_URL, secrets, Twilio and
# Stripe keys) comes from the host's environment. LOG_FORMAT defaults to JSON in production.
ENV APP_ENV=production \
    LEPTOS_SITE_ADDR=0.0.0.0:3000
USER callbackcloser
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=40s --retries=3 \
    CMD curl -fsS http://127.0.0.1:3000/api/health >/dev/null || exit 1
# SIGTERM starts the graceful shutdown; give the platform's stop timeout more than
# SHUTDOWN_GRACE_SECONDS (default 25).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/callbackcloser"]
CMD ["serve"]
