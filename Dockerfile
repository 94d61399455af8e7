# syntax=docker/dockerfile:1
# One Dockerfile, one target per service:
#   docker build --target loan-api|portfolio-api|gateway|web -t <name> .
# Base images are build arguments; the defaults are the public images (pinned by digest where
# one can be named). Machines that cannot pull pass local stand-ins instead
# (scripts/build-stand-in-images.sh); the steps are the same.
ARG RUST_IMAGE=rust:1.95-bookworm
ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12:nonroot

# cargo-chef splits the dependency build from the project build, so that a change to the code
# reuses the cached dependency layer.
FROM ${RUST_IMAGE} AS chef
RUN command -v cargo-chef >/dev/null || cargo install cargo-chef --locked --version 0.1.73
WORKDIR /src

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /src/recipe.json recipe.json
# SQLX_OFFLINE: queries are checked against the committed .sqlx caches, no database needed.
ENV SQLX_OFFLINE=true \
    CFLAGS=-DMI_DEFAULT_ARENA_EAGER_COMMIT=0 \
    CARGO_TERM_COLOR=never
RUN cargo chef cook --release --locked --recipe-path recipe.json
COPY . .
RUN cargo build --release --locked --bins -p loan-api -p portfolio-api -p gateway -p web \
 && mkdir /out \
 && cp target/release/loan-api target/release/portfolio-api target/release/gateway target/release/web /out/

# Runtime: distroless (glibc, CA certificates, nothing else: no shell, no package manager),
# numeric non-root user. Health checks run the binary itself.
FROM ${RUNTIME_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.source="https://github.com/lending-workload/lending-workload" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.vendor="lending-workload" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
USER 65532:65532
# The one writable path under a read-only root filesystem. Declared as a volume so that ECS
# Fargate creates it with the image's permissions (distroless /tmp is 1777), not root's 0755;
# compose mounts a tmpfs there instead.
VOLUME ["/tmp"]

FROM runtime AS loan-api
LABEL org.opencontainers.image.title="loan-api" \
      org.opencontainers.image.description="The loan API: microloans on PostgreSQL."
COPY --from=builder /out/loan-api /usr/local/bin/loan-api
ENV PORT=8000
EXPOSE 8000
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 CMD ["/usr/local/bin/loan-api", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/loan-api"]
CMD ["serve"]

FROM runtime AS portfolio-api
LABEL org.opencontainers.image.title="portfolio-api" \
      org.opencontainers.image.description="The portfolio API: assets and insights on PostgreSQL."
COPY --from=builder /out/portfolio-api /usr/local/bin/portfolio-api
ENV PORT=8001
EXPOSE 8001
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 CMD ["/usr/local/bin/portfolio-api", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/portfolio-api"]
CMD ["serve"]

FROM runtime AS gateway
LABEL org.opencontainers.image.title="gateway" \
      org.opencontainers.image.description="The API gateway: routing, keys, rate limits, retries and failover."
COPY --from=builder /out/gateway /usr/local/bin/gateway
ENV PORT=8002
EXPOSE 8002
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 CMD ["/usr/local/bin/gateway", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/gateway"]
CMD ["serve"]

FROM runtime AS web
LABEL org.opencontainers.image.title="web" \
      org.opencontainers.image.description="The web tier: the portfolio dashboard and the loan console."
COPY --from=builder /out/web /usr/local/bin/web
ENV PORT=3000
EXPOSE 3000
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 CMD ["/usr/local/bin/web", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/web"]
CMD ["serve"]
