#!/usr/bin/env bash
# Validates the HTTP contract openapi.yaml with OpenAPI Generator's validator (run by .ci/run):
#   java -jar openapi-generator-cli.jar validate --recommend -i openapi.yaml
# The CLI jar is resolved from Maven Central by Maven (once; later runs work offline from the local
# repository) and copied to target/tools/. Any error or recommendation fails the check.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
version="${OPENAPI_GENERATOR_VERSION:-7.25.0}"
jar="target/tools/openapi-generator-cli-$version.jar"
if [[ ! -f "$jar" ]]; then
  ./mvnw -B -q dependency:copy -Dartifact="org.openapitools:openapi-generator-cli:$version" \
    -DoutputDirectory=target/tools >&2
fi
out=$(java -jar "$jar" validate --recommend -i openapi.yaml 2>&1) || { echo "$out"; echo "[check-openapi] FAIL"; exit 1; }
echo "$out"
# validate exits 0 when it only has recommendations; the contract must have none either
if ! grep -q '^No validation issues detected' <<<"$out"; then
  echo "[check-openapi] FAIL: openapi-generator $version reports warnings or recommendations"
  exit 1
fi
echo "[check-openapi] openapi-generator $version validate --recommend: ok"
