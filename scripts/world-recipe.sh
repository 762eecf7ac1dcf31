#!/usr/bin/env bash
# The whole world recipe in one resumable, deterministic command (issue 12): the pretrained components, then the three
# editors trained on the same world records from the components' editor/ start, then their scores on held-out edits.
#   scripts/world-recipe.sh [OUT] [--ship DIR] [--verify DIR]      (OUT defaults to runs/world-recipe)
# Rerun the same command after an interruption: every stage resumes from its last checkpoint or is skipped when done.
# --ship DIR writes the float16 copy with its quality.json and the editors under DIR/editors/ (how data/world is made).
# --verify DIR ships this run to OUT/shipped and compares every weight file with DIR's byte for byte (e.g. data/world):
#   exit status 1 when one differs or is missing.
# Sizes: UIP2P_RECIPE_RECORDS (8000), UIP2P_RECIPE_SUPERVISED_STEPS (6000), UIP2P_RECIPE_CEC_STEPS (800).
# Editors train two at a time with one LibTorch thread each (the results depend on the thread count; keep it for bit-exact reruns).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="runs/world-recipe"
ship=""
verify=""
while (($#)); do
  case "$1" in
    --ship) ship="$2"; shift 2 ;;
    --verify) verify="$2"; shift 2 ;;
    -h|--help) sed -n 2,10p "${BASH_SOURCE[0]}"; exit 0 ;;
    *) out="$1"; shift ;;
  esac
done
records="${UIP2P_RECIPE_RECORDS:-8000}"
supervised_steps="${UIP2P_RECIPE_SUPERVISED_STEPS:-6000}"
cec_steps="${UIP2P_RECIPE_CEC_STEPS:-800}"
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
  uip2p train --threads 1 --config "$root/configs/$config" --out "$run" "${resume[@]}" --set "components=$components" \
    --set "data=$(cd "$out/data/$data" && pwd)" --set "steps=$steps" --set sample_every=1000000 --set tensor_board=false \
    "$@" > "$out/logs/$name.log" 2>&1
}
# Two runs at a time, each logging to OUT/logs/NAME.log; a failed run stops the recipe once its partner is done.
both() {
  local failed=0
  wait "$1" || failed=1
  wait "$2" || failed=1
  if ((failed)); then echo "world-recipe: a training run failed; see $out/logs/" >&2; exit 1; fi
}
mkdir -p "$out/logs"
supervised=(--set learning_rate=0.0003 --set checkpoint_every=500 --set validate_every=500)
train supervised-clean supervised-world.json clean "$supervised_steps" "${supervised[@]}" & p1=$!
train supervised-biased supervised-world.json biased "$supervised_steps" "${supervised[@]}" & p2=$!
both $p1 $p2
cec=(--set checkpoint_every=200 --set validate_every=200 --set learning_rate=0.0002 --set cec.weights.clip=5 --set cec.weights.similarity=2 --set cec.weights.attention=0.1 --set cec.clip_views=4)
train uip2p-seed0 cec-world.json clean "$cec_steps" "${cec[@]}" --set seed=0 & p1=$!
train uip2p-seed1 cec-world.json clean "$cec_steps" "${cec[@]}" --set seed=1 & p2=$!
both $p1 $p2

editors=(--model start=start --model supervised-clean="$out/runs/supervised-clean/model" --model supervised-biased="$out/runs/supervised-biased/model"
  --model uip2p-seed0="$out/runs/uip2p-seed0/model" --model uip2p-seed1="$out/runs/uip2p-seed1/model")
# Each scoring is skipped once its summary.md exists (delete the folder to score again).
evaluate() {
  local dir="$1" what="$2"; shift 2
  if [[ -f "$out/$dir/summary.md" ]]; then stamp "$what: scored"; return; fi
  stamp "$what"
  uip2p eval world --components "$components" --count 300 --out "$out/$dir" "$@"
}
evaluate eval "held-out edits, judged (the demo's sampler: strength 0.7, s_T 7.5)" "${editors[@]}"
# The setting the long runs prefer, chosen on validation edits of another world seed (2001), never on these.
evaluate eval-tuned "held-out edits, judged (strength 0.85, s_T 3)" --strength 0.85 --text-guidance 3 "${editors[@]}"
evaluate eval-copy "the editor start reproducing its input (empty instruction, from pure noise)" --model start=start --copy --strength 1.0

ship_to() {
  stamp "shipping to $1"
  uip2p pretrain --out "$components" --evaluate false --ship "$1" \
    --editor uip2p="$out/runs/uip2p-seed0/model" --editor supervised-clean="$out/runs/supervised-clean/model" \
    --editor supervised-biased="$out/runs/supervised-biased/model"
}
if [[ -n "$ship" ]]; then ship_to "$ship"; fi
if [[ -n "$verify" ]]; then
  shipped="${ship:-$out/shipped}"
  if [[ -z "$ship" ]]; then ship_to "$shipped"; fi
  stamp "comparing $shipped with $verify, byte for byte"
  differ=0
  while IFS= read -r file; do
    if cmp -s "$shipped/$file" "$verify/$file"; then echo "identical  $file"; else echo "DIFFERS    $file"; differ=1; fi
  done < <(cd "$shipped" && find . -name '*.safetensors' | sort)
  while IFS= read -r file; do
    [[ -f "$shipped/$file" ]] || { echo "MISSING    $file (in $verify, not made by this run)"; differ=1; }
  done < <(cd "$verify" && find . -name '*.safetensors' | sort)
  ((differ == 0)) || { echo "world-recipe: $shipped differs from $verify" >&2; exit 1; }
fi
stamp "done: $out"
