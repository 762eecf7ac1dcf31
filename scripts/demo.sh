#!/usr/bin/env bash
# README command 1: set up (scripts/setup.sh), then run the main job on the embedded default.
# Until the training verbs land, the main job is running every notebook headlessly in the real kernel;
# executed copies with their outputs are kept in artifacts/notebooks/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/scripts/setup.sh"
exec "$root/uip2p" notebooks run "$@"
