# syntax=docker/dockerfile:1
# Build with the SDK, run on the chiseled ASP.NET runtime (no shell, no package manager) as a non-root user.

# Multi-arch (docker buildx build --platform linux/amd64,linux/arm64): the SDK runs on the build machine's own
# platform and publishes for the target's architecture, so no emulation is needed for the build.
FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG TARGETARCH
WORKDIR /source
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/ src/
# The same publish command that tests/run.sh runs in CI, so CI proves this step (-a: the target architecture).
RUN dotnet publish src/Webhook/Webhook.csproj -c Release -o /app -a "$TARGETARCH"
# The inbox directory must exist and belong to the app user; the chiseled image has no shell to create it.
RUN mkdir -p /inbox

FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled AS runtime
WORKDIR /app
COPY --from=build /app .
COPY --from=build --chown=1654:1654 /inbox /var/lib/crashloop-webhook
ENV ASPNETCORE_HTTP_PORTS=8080 \
    Inbox__Path=/var/lib/crashloop-webhook/inbox.db
# The SQLite inbox lives on a volume, so the root filesystem can stay read-only.
VOLUME /var/lib/crashloop-webhook
EXPOSE 8080
USER 1654
ENTRYPOINT ["dotnet", "Webhook.dll"]
