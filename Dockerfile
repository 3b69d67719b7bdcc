# Two stages: build with the pinned toolchain, run on a slim Debian.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin kurultai

FROM debian:bookworm-slim
RUN useradd --system --home /var/lib/kurultai kurultai \
    && mkdir -p /var/lib/kurultai && chown kurultai /var/lib/kurultai
COPY --from=build /src/target/release/kurultai /usr/local/bin/kurultai
USER kurultai
WORKDIR /var/lib/kurultai
ENV KURULTAI_DATA_DIR=/var/lib/kurultai
EXPOSE 8080
ENTRYPOINT ["kurultai"]
CMD ["serve"]
