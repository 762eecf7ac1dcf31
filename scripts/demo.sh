#!/usr/bin/env bash
# README command 1: set up (scripts/setup.sh), then run the main job on the embedded default:
# UIP2P (CEC) vs supervised InstructPix2Pix on the shapes world, report in demo-report/ (or --out DIR).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/scripts/setup.sh"
out="demo-report"
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
# A rerun writes a fresh report next to the previous one instead of refusing.
if [ -e "$out/runs" ]; then out="$out-$(date +%Y%m%d-%H%M%S)"; fi
exec "$root/uip2p" demo --out "$out" "${args[@]}"
