#!/usr/bin/env bash
# Regenerates openapi.yaml from the service with the pinned Swashbuckle CLI (.config/dotnet-tools.json).
# The integration test OpenApiDocumentTests fails whenever the committed file and the served document differ.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
dotnet tool restore >/dev/null
dotnet build src/KitaLink.Api -c Release -nologo -v quiet
# The CLI builds the host without starting it (no database needed); Development supplies the keys.
out="$root/src/KitaLink.Api/bin/Release/net10.0"
(cd "$out" && ASPNETCORE_ENVIRONMENT=Development dotnet swagger tofile --yaml --openapiversion 3.1 --output "$root/openapi.yaml" KitaLink.Api.dll v1)
echo "openapi.yaml regenerated"
