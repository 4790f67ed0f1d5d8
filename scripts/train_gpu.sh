#!/usr/bin/env bash
# Train several configurations at once on one CUDA GPU, then pack the best run's weights (fp16, in pieces).
#
#   scripts/train_gpu.sh DATA_DIR OUT_DIR MINUTES "name --train-args" ["name --train-args" ...]
#
# DATA_DIR holds init-fp16.pt (the weights to start from), train-128.npy(.xz) and
# heldout-wikipedia-128.npy (from data/corpus). Each configuration trains for MINUTES with
# `python -m cloze_app.training train --device cuda`; all share the GPU (a 6-layer model leaves it
# mostly idle alone). OUT_DIR receives best.pt.part-* (the best run's held-out-best weights, fp16),
# summary.json and each run's log.jsonl. Join the pieces with scripts/gpu_unpack.py.
# PICK=last packs each run's final weights instead (ckpt-latest.pt; runs ranked by their last
# evaluation): for runs judged by something other than the held-out token metric, such as
# whole-word masking, whose final weights that metric would never pick.
# Used with the device tool (docs/training.md, "Training on a GPU"); a GPU machine needs only torch,
# numpy, tokenizers and tqdm, which its image has.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=$1 OUT=$2 MINUTES=$3
shift 3
PY=${PYTHON:-python3}
WORK=${WORK:-/tmp/cloze-gpu}
mkdir -p "$WORK/corpus" "$OUT"
if [[ -f "$DATA/train-128.npy.xz" ]]; then xz -dc "$DATA/train-128.npy.xz" >"$WORK/corpus/train-128.npy"; else cp "$DATA/train-128.npy" "$WORK/corpus/"; fi
cp "$DATA/heldout-wikipedia-128.npy" "$WORK/corpus/"
"$PY" -c 'import torch; print("torch", torch.__version__, torch.cuda.is_available() and torch.cuda.get_device_name())'
pids=()
for spec in "$@"; do
  name=${spec%% *} args=${spec#* }
  [[ "$args" == "$spec" ]] && args=""
  # shellcheck disable=SC2086  # args is a list of flags
  "$PY" -m cloze_app.training train --device "${DEVICE:-cuda}" --corpus "$WORK/corpus" --run-dir "$WORK/$name" \
    --init "$DATA/init-fp16.pt" --tokenizer models/cloze-minilm-en/tokenizer.json \
    --max-minutes "$MINUTES" --max-steps 1000000 --workers 4 $args >"$WORK/$name.log" 2>&1 &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
for spec in "$@"; do
  name=${spec%% *}
  grep -aoE '\[(eval|train)\][^\r]*|[A-Za-z]*Error.*' "$WORK/$name.log" | sed "s/^/[$name] /" || true
  cp "$WORK/$name/log.jsonl" "$OUT/$name.log.jsonl" 2>/dev/null || true
done
PICK=${PICK:-best} "$PY" - "$WORK" "$OUT" "$@" <<'PY'
import hashlib, json, os, sys
from pathlib import Path
import torch
work, out, names = Path(sys.argv[1]), Path(sys.argv[2]), [a.split(" ")[0] for a in sys.argv[3:]]
last = os.environ["PICK"] == "last"
runs = {}
for n in names:
    p = work / n / ("ckpt-latest.pt" if last else "ckpt-best.pt")
    if p.exists():
        ck = torch.load(p, map_location="cpu", weights_only=False)
        if last:  # the run's last evaluation, from its log
            evals = [json.loads(x) for x in (work / n / "log.jsonl").read_text().splitlines()]
            ck["metrics"] = {k[5:]: v for k, v in [e for e in evals if "eval_top1" in e][-1].items() if k.startswith("eval_")}
        runs[n] = (ck["metrics"]["top1"], ck["step"], ck["config"], p)
best = max(runs, key=lambda n: runs[n][0])
ck = torch.load(runs[best][3], map_location="cpu", weights_only=False)
path = work / "best.pt"
torch.save({"model": {k: v.half() for k, v in ck["model"].items()}, "step": ck["step"],
            "config": ck["config"], "metrics": {"top1": runs[best][0]}}, path)
blob = path.read_bytes()
piece = 15 * 2**20
for i in range(0, len(blob), piece):
    (out / f"best.pt.part-{i // piece}").write_bytes(blob[i:i + piece])
summary = {"best": best, "sha256": hashlib.sha256(blob).hexdigest(),
           "runs": {n: {"top1": t, "step": s, "config": c} for n, (t, s, c, _) in runs.items()}}
(out / "summary.json").write_text(json.dumps(summary, indent=2))
print(json.dumps({n: (round(t, 4), s) for n, (t, s, _, _) in runs.items()}), "best:", best)
PY
exit $status
