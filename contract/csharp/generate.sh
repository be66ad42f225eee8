#!/usr/bin/env bash
# Generates the NSwag and Kiota C# clients from the committed openapi.yaml into contract/csharp/generated
# (git-ignored), with the tool versions pinned in .config/dotnet-tools.json. Used by contract/run.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out="$root/contract/csharp/generated"
rm -rf "$out"
mkdir -p "$out/NSwag"
dotnet tool restore >/dev/null
# System.Text.Json, DateOnly for `format: date`, one client class named by operationId.
dotnet nswag openapi2csclient /input:openapi.yaml /output:"$out/NSwag/KitaLinkClient.cs" \
  /namespace:KitaLink.Contract.NSwag /className:KitaLinkClient /jsonLibrary:SystemTextJson \
  /operationGenerationMode:SingleClientFromOperationId /generateClientInterfaces:false /useBaseUrl:true \
  /dateType:System.DateOnly >/dev/null
# Offline: no update checks or telemetry from the generator.
KIOTA_TUTORIAL_ENABLED=false KIOTA_OFFLINE_ENABLED=true DOTNET_CLI_TELEMETRY_OPTOUT=1 \
  dotnet kiota generate --language CSharp --openapi openapi.yaml --output "$out/Kiota" \
  --namespace-name KitaLink.Contract.Kiota --class-name KitaLinkKiotaClient --exclude-backward-compatible \
  --clean-output --log-level Error
echo "generated: $out/NSwag, $out/Kiota"
