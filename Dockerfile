# KitaLink API image. Build: docker build -t kitalink .
# Configuration comes from the environment at run time (see README, "Configuration"); no secret is
# baked in. Apply migrations once per release with: docker run --rm -e ConnectionStrings__Postgres=... kitalink migrate

# --- build -------------------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# Restore first with only the SDK pin, central build settings and the project file, so the package
# layer is reused until one of them changes.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/KitaLink.Api/KitaLink.Api.csproj src/KitaLink.Api/
RUN dotnet restore src/KitaLink.Api/KitaLink.Api.csproj

COPY .editorconfig ./
COPY src/KitaLink.Api/ src/KitaLink.Api/
# Resources/ (letter fonts, the common-password list) is copied to the output by the csproj.
# appsettings.Development.json carries the well-known development keys; the image must not be able
# to fall back to them, whatever ASPNETCORE_ENVIRONMENT says.
RUN dotnet publish src/KitaLink.Api/KitaLink.Api.csproj -c Release --no-restore -o /app -p:UseAppHost=false \
    && rm /app/appsettings.Development.json

# --- runtime -----------------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
ENV ASPNETCORE_ENVIRONMENT=Production \
    ASPNETCORE_HTTP_PORTS=8080
COPY --from=build /app ./

# The guardian address check asks the container's resolver (or EmailCheck__DnsServers__0) for MX/A/AAAA
# records; no extra package is needed. dnsmasq, Dovecot and Postfix are test components only and not part of the
# image (the bounce mailbox reader is an IMAP client: Bounces__Imap__Host names the operator's mailbox server; mail
# goes out to the operator's SMTP server, Smtp__Host).
# The non-root "app" user of the .NET images. /app stays read-only to it: Data Protection keys and the
# mail outbox live in PostgreSQL, and production mail goes out over SMTP (Smtp__Host).
USER $APP_UID
# The API. Telemetry is opt-in at run time: OTEL_EXPORTER_OTLP_ENDPOINT (and the other OTEL_* variables)
# exports over OTLP; Telemetry__PrometheusPort=9464 adds a Prometheus scrape port that answers only
# GET /metrics (publish it to the monitoring network, never through the public load balancer).
EXPOSE 8080

# The runtime image has no curl: the service probes its own /health/live (exit 0 healthy, 1 not).
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["dotnet", "KitaLink.Api.dll", "healthcheck"]

ENTRYPOINT ["dotnet", "KitaLink.Api.dll"]
