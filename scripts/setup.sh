#!/usr/bin/env bash
# Installs what the workbench needs on a fresh Debian machine with the .NET SDK, then builds it:
#   Debian packages: jupyter-nbconvert + python3-nbclient (headless notebook runs), fonts-dejavu-core (figure text)
#   .NET tools:      dotnet-interactive 1.0.712001 (the notebook kernel), from .config/dotnet-tools.json
#   NuGet packages:  restored by the build (TorchSharp + CPU LibTorch by default; -p:TorchBackend=cuda for GPUs)
# Safe to run again: each step does nothing when its work is already done.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

apt_packages=(jupyter-nbconvert python3-nbclient jupyter-client fonts-dejavu-core)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "setup: restoring .NET tools (dotnet-interactive)"
dotnet tool restore >/dev/null

echo "setup: building Uip2p.Research.sln (Release${TORCH_BACKEND:+, TorchBackend=$TORCH_BACKEND})"
dotnet build Uip2p.Research.sln -c Release -nologo -v quiet ${TORCH_BACKEND:+-p:TorchBackend=$TORCH_BACKEND}
