#!/usr/bin/env bash
# The whole world recipe in one resumable, deterministic command (issue 12): the pretrained components, then the three
# editors trained on the same world records from the components' editor/ start, then their scores on held-out edits.
#   scripts/world-recipe.sh [OUT] [--ship DIR]      (OUT defaults to runs/world-recipe)
# Rerun the same command after an interruption: every stage resumes from its last checkpoint or is skipped when done.
# --ship DIR writes the float16 copy with its quality.json and the editors under DIR/editors/ (how data/world is made).
# Sizes: UIP2P_RECIPE_RECORDS (2000), UIP2P_RECIPE_SUPERVISED_STEPS (1500), UIP2P_RECIPE_CEC_STEPS (600).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="runs/world-recipe"
ship=""
while (($#)); do
  case "$1" in
    --ship) ship="$2"; shift 2 ;;
    -h|--help) sed -n 2,8p "${BASH_SOURCE[0]}"; exit 0 ;;
    *) out="$1"; shift ;;
  esac
done
records="${UIP2P_RECIPE_RECORDS:-2000}"
supervised_steps="${UIP2P_RECIPE_SUPERVISED_STEPS:-1500}"
cec_steps="${UIP2P_RECIPE_CEC_STEPS:-600}"
uip2p() { "$root/uip2p" "$@"; }
stamp() { echo "[$(date +%H:%M:%S)] $*"; }
mkdir -p "$out"
components="$(cd "$out" && pwd)/components"

stamp "components (uip2p pretrain)"
uip2p pretrain --out "$components" --evaluate false

for kind in clean biased; do
  data="$out/data/$kind"
  if [[ ! -f "$data/records.jsonl" ]]; then
    stamp "world records: $kind"
    bias=0; [[ $kind == biased ]] && bias=0.5
    uip2p world --out "$data.partial" --count "$records" --seed 1 --biased "$bias" >/dev/null
    rm -rf "$data"; mv "$data.partial" "$data"
  fi
done

# One editor: trained, resumed, or kept when its model is exported.
train() {
  local name="$1" config="$2" data="$3" steps="$4"; shift 4
  local run="$out/runs/$name"
  if [[ -f "$run/model/model_index.json" ]]; then stamp "$name: trained"; return; fi
  local resume=(); [[ -f "$run/checkpoints/latest" ]] && resume=(--resume)
  stamp "$name ($steps steps)"
  uip2p train --config "$root/configs/$config" --out "$run" "${resume[@]}" --set "components=$components" --set "data=$(cd "$out/data/$data" && pwd)" \
    --set "steps=$steps" --set sample_every=1000000 --set tensor_board=false "$@"
}
train supervised-clean supervised-world.json clean "$supervised_steps"
train supervised-biased supervised-world.json biased "$supervised_steps"
train uip2p-seed0 cec-world.json clean "$cec_steps" --set seed=0
train uip2p-seed1 cec-world.json clean "$cec_steps" --set seed=1

stamp "held-out edits, judged"
uip2p eval world --components "$components" --count 300 --out "$out/eval" --model start=start \
  --model supervised-clean="$out/runs/supervised-clean/model" --model supervised-biased="$out/runs/supervised-biased/model" \
  --model uip2p-seed0="$out/runs/uip2p-seed0/model" --model uip2p-seed1="$out/runs/uip2p-seed1/model"
stamp "the editor start reproducing its input (empty instruction, from pure noise)"
uip2p eval world --components "$components" --count 300 --out "$out/eval-copy" --model start=start --copy --strength 1.0

if [[ -n "$ship" ]]; then
  stamp "shipping to $ship"
  uip2p pretrain --out "$components" --evaluate false --ship "$ship" \
    --editor uip2p="$out/runs/uip2p-seed0/model" --editor supervised-clean="$out/runs/supervised-clean/model" \
    --editor supervised-biased="$out/runs/supervised-biased/model"
fi
stamp "done: $out"
