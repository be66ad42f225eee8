#!/usr/bin/env bash
# Mutation testing of the domain rules. Stryker.NET (pinned in .config/dotnet-tools.json) changes the rule
# files named in tests/KitaLink.UnitTests/stryker-config.json one mutant at a time (a condition flipped, a
# guard removed, ...) and runs the unit tests that cover that mutant; a mutant no test notices survives.
# Prints the score per file and the total, and exits non-zero when the total is below the config's
# thresholds.break or a rule file is below MUTATION_FILE_FLOOR (default 80; Stryker has no per-file floor).
# Survivors that are equivalent (no test can tell them from the original) are listed with their reasons
# in tests/KitaLink.UnitTests/stryker-equivalent.md.
# Reports (html, json) land in .local/mutation/reports; extra arguments go to Stryker.
#
# Needs the .NET SDK and Node (to read the json report); no database: only the unit tests run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

config="$root/tests/KitaLink.UnitTests/stryker-config.json"
file_floor=${MUTATION_FILE_FLOOR:-80}
output="$root/.local/mutation"
rm -rf "$output"

dotnet tool restore >/dev/null
started=$(date +%s)
status=0
(cd "$root/tests/KitaLink.UnitTests" &&
  dotnet tool run dotnet-stryker -- --config-file "$config" --output "$output" --skip-version-check "$@") || status=$?
elapsed=$(($(date +%s) - started))

report="$output/reports/mutation-report.json"
if [[ ! -f "$report" ]]; then
  echo "Mutation testing produced no report (Stryker exit code $status)." >&2
  exit $((status == 0 ? 1 : status))
fi

# Score as Stryker counts it: (killed + timeout) / (killed + timeout + survived + no coverage).
# A timeout counts as killed: the mutant made the covered tests hang.
verdict=0
node - "$report" "$config" "$elapsed" "$file_floor" <<'JS' || verdict=$?
const fs = require("fs");
const [report, config, elapsed, floorText] = process.argv.slice(2);
const floor = Number(floorText);
const files = JSON.parse(fs.readFileSync(report, "utf8")).files;
const thresholds = JSON.parse(fs.readFileSync(config, "utf8"))["stryker-config"].thresholds;
const rows = [];
const total = { killed: 0, timeout: 0, survived: 0, noCoverage: 0 };
for (const [path, file] of Object.entries(files)) {
  const count = { killed: 0, timeout: 0, survived: 0, noCoverage: 0 };
  for (const m of file.mutants) {
    if (m.status === "Killed") count.killed++;
    else if (m.status === "Timeout") count.timeout++;
    else if (m.status === "Survived") count.survived++;
    else if (m.status === "NoCoverage") count.noCoverage++;
  }
  const valid = count.killed + count.timeout + count.survived + count.noCoverage;
  if (valid === 0) continue;
  for (const k of Object.keys(total)) total[k] += count[k];
  rows.push({ name: path.replace(/^.*?src\/KitaLink\.Api\//, ""), score: (100 * (count.killed + count.timeout)) / valid, ...count });
}
rows.sort((a, b) => a.name.localeCompare(b.name));
const valid = total.killed + total.timeout + total.survived + total.noCoverage;
const score = valid === 0 ? 0 : (100 * (total.killed + total.timeout)) / valid;
const line = (name, r) =>
  `${name.padEnd(46)} ${r.score.toFixed(2).padStart(7)}%  ${String(r.killed).padStart(6)} ${String(r.timeout).padStart(7)} ${String(r.survived).padStart(8)} ${String(r.noCoverage).padStart(6)}`;
console.log(`\n${"file".padEnd(46)} ${"score".padStart(8)}  killed timeout survived no cov`);
for (const r of rows) console.log(line(r.name, r) + (r.score < floor ? `   below ${floor}%` : ""));
console.log(line("total", { score, ...total }));
console.log(`\nMutation score: ${score.toFixed(2)}% over ${rows.length} rule files (break below ${thresholds.break}%, every file at least ${floor}%), ${elapsed} s`);
const weak = rows.filter((r) => r.score < floor);
if (rows.length === 0) { console.log("FAIL: no mutant was tested"); process.exit(1); }
if (score < thresholds.break) { console.log(`FAIL: total ${score.toFixed(2)}% is below the break threshold ${thresholds.break}%`); process.exit(1); }
if (weak.length > 0) { console.log(`FAIL: ${weak.map((r) => r.name).join(", ")} below ${floor}%`); process.exit(1); }
console.log("OK");
JS

if ((status != 0)); then
  echo "Stryker exited with code $status." >&2
  exit "$status"
fi
exit "$verdict"
