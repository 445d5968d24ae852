# syntax=docker/dockerfile:1
# Build with the SDK as a Native AOT executable, run it on the chiseled runtime-deps image (no .NET runtime, no
# shell, no package manager) as a non-root user. tests/bench/footprint.sh measures what AOT buys (idle memory,
# start to ready) against the framework-dependent build that `dotnet run` and the tests use.

# Multi-arch (docker buildx build --platform linux/amd64,linux/arm64): the SDK runs on the build machine's own
# platform and compiles for the target's architecture, so no emulation is needed for the build. The -aot SDK image
# has the native toolchain (clang, zlib) that Native AOT links with.
FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:10.0-noble-aot AS build
ARG TARGETARCH
ARG BUILDARCH
# A cross build links with the target architecture's gcc and zlib (the SDK's documented cross-compilation setup).
RUN if [ "$TARGETARCH" != "$BUILDARCH" ]; then \
      case "$TARGETARCH" in \
        arm64) gcc=gcc-aarch64-linux-gnu; mirror=http://ports.ubuntu.com/ubuntu-ports/ ;; \
        amd64) gcc=gcc-x86-64-linux-gnu; mirror=http://archive.ubuntu.com/ubuntu/ ;; \
        *) echo "no cross toolchain for $TARGETARCH"; exit 1 ;; \
      esac; \
      printf 'Types: deb\nURIs: %s\nSuites: noble noble-updates\nComponents: main restricted\nSigned-By: /usr/share/keyrings/ubuntu-archive-keyring.gpg\nArchitectures: %s\n' \
        "$mirror" "$TARGETARCH" > /etc/apt/sources.list.d/target.sources; \
      sed -i "/Signed-By/ a Architectures: $BUILDARCH" /etc/apt/sources.list.d/ubuntu.sources; \
      dpkg --add-architecture "$TARGETARCH" && apt-get update \
        && apt-get install -y --no-install-recommends "$gcc" "zlib1g-dev:$TARGETARCH" && rm -rf /var/lib/apt/lists/*; \
    fi
WORKDIR /source
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/ src/
# The same publish command that tests/run.sh runs in CI, so CI proves this step (-a: the target architecture).
# PublishAot only here: `dotnet run` and the tests keep the JIT build. Trim and AOT warnings fail it
# (TreatWarningsAsErrors in Directory.Build.props also covers the AOT compiler). The debug symbols stay behind.
RUN dotnet publish src/Webhook/Webhook.csproj -c Release -o /app -a "$TARGETARCH" -p:PublishAot=true \
    && rm -f /app/*.dbg /app/*.pdb
# The inbox directory must exist and belong to the app user; the chiseled image has no shell to create it.
RUN mkdir -p /inbox

FROM mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled AS runtime
WORKDIR /app
COPY --from=build /app .
COPY --from=build --chown=1654:1654 /inbox /var/lib/crashloop-webhook
ENV ASPNETCORE_HTTP_PORTS=8080 \
    Inbox__Path=/var/lib/crashloop-webhook/inbox.db
# The SQLite inbox lives on a volume, so the root filesystem can stay read-only.
VOLUME /var/lib/crashloop-webhook
EXPOSE 8080
USER 1654
ENTRYPOINT ["./Webhook"]
