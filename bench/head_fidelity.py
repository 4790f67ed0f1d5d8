"""How close each int8 graph of the bundled model is to its float reference, at the blank.

The engine runs the vocabulary head only at the asked positions (a rewritten graph, see
``core/engine/head_gather.py``). With int8 activations quantized per batch, that changes the
arithmetic slightly; on CPUs without VNNI, onnxruntime's u8s8 kernels also round the two graphs
differently. Small eval sets then move by a few items either way, so this script asks the real
question instead: on held-out sentences (``bench/heldout.jsonl``, one blank each), which graph
predicts more like the float model (the reference weights in ``models/cloze-minilm-en/reference``)?

    python -m bench.head_fidelity [--limit 300] [--also OTHER.onnx ...]

Prints, per graph: the share of blanks whose best word is the float model's, the mean overlap of
the 5 best words, the mean absolute log-probability gap on the float model's 10 best words, the
mean KL divergence from the float model's distribution (lower is closer), and how far the blank's
log-probabilities (the float model's 10 best words) move when three other held-out sentences
share the batch (mean and worst; 0 when activations are quantized per token). ``--also`` adds
other int8 files of the same model (full head), e.g. an earlier model.onnx from git:
``git show 61847e3:models/cloze-minilm-en/model.onnx > /tmp/per-batch.onnx``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
MODEL_DIR = REPO / "models" / "cloze-minilm-en"
HELDOUT = Path(__file__).resolve().parent / "heldout.jsonl"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=300, help="held-out sentences to score")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--also", type=Path, action="append", default=[], help="another int8 file (full head)"
    )
    args = parser.parse_args(argv)

    import onnxruntime as ort
    import torch
    from tokenizers import Tokenizer
    from transformers import AutoModelForMaskedLM

    from cloze_app.core.engine.head_gather import load_gathered
    from cloze_app.core.engine.session import log_softmax

    tok = Tokenizer.from_file(str(MODEL_DIR / "tokenizer.json"))
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    cpu = ["CPUExecutionProvider"]
    full = ort.InferenceSession(str(MODEL_DIR / "model.onnx"), options, providers=cpu)
    gathered_bytes = load_gathered(MODEL_DIR / "model.onnx")
    if gathered_bytes is None:
        print("the bundled graph could not be rewritten")
        return 1
    gathered = ort.InferenceSession(gathered_bytes, options, providers=cpu)
    reference = AutoModelForMaskedLM.from_pretrained(str(MODEL_DIR / "reference")).eval()
    mask_id = tok.token_to_id("[MASK]")

    graphs = {"full head": full, "gathered head": gathered}
    for other in args.also:
        graphs[f"{other.name} (full head)"] = ort.InferenceSession(str(other), options, providers=cpu)
    sums = {name: np.zeros(5) for name in graphs}
    worst = dict.fromkeys(graphs, 0.0)
    lines = HELDOUT.read_text(encoding="utf-8").splitlines()[: args.limit]
    encoded = [tok.encode(json.loads(line)["text"].replace("___", "[MASK]", 1)).ids[:128] for line in lines]
    count = 0
    for k, row in enumerate(encoded):
        positions = np.flatnonzero(np.array(row) == mask_id)
        if len(positions) != 1:
            continue
        mates = [encoded[(k + j) % len(encoded)] for j in (1, 2, 3)]
        with torch.no_grad():
            want = log_softmax(reference(input_ids=torch.tensor([row])).logits[0][positions].numpy())[0]
        top10 = np.argsort(-want)[:10]
        top5 = set(top10[:5].tolist())
        for name, session in graphs.items():
            alone = _blank_log_probs(session, [row], positions[0])
            batched = _blank_log_probs(session, [row, *mates], positions[0])
            moved = float(np.abs(batched[top10] - alone[top10]).max())
            worst[name] = max(worst[name], moved)
            sums[name] += (
                float(alone.argmax() == want.argmax()),
                len(top5 & set(np.argsort(-alone)[:5].tolist())),
                float(np.abs(alone[top10] - want[top10]).mean()),
                float((np.exp(want) * (want - alone)).sum()),
                moved,
            )
        count += 1
    print(f"{count} held-out blanks, int8 graphs against the float reference (same run)")
    print(
        "| graph | best word as float | top-5 overlap | mean |gap| top-10 (nats) | KL (nats) "
        "| moved by 3 batch mates: mean / worst (nats) |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name in graphs:
        best, overlap, gap, kl, moved = sums[name] / max(count, 1)
        print(
            f"| {name} | {best:.1%} | {overlap:.2f} | {gap:.3f} | {kl:.4f} "
            f"| {moved:.3f} / {worst[name]:.3f} |"
        )
    return 0


def _blank_log_probs(session: object, rows: list[list[int]], position: int) -> np.ndarray:
    """Log-probabilities at ``position`` of the first of ``rows``, run as one padded batch."""
    from cloze_app.core.engine.head_gather import POSITIONS_INPUT
    from cloze_app.core.engine.session import feed_inputs, log_softmax

    width = max(len(r) for r in rows)
    ids = np.zeros((len(rows), width), dtype=np.int64)
    attention = np.zeros_like(ids)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = r
        attention[i, : len(r)] = 1
    names = [i.name for i in session.get_inputs()]  # type: ignore[attr-defined]
    positions = np.full((len(rows), 1), position, dtype=np.int64)
    (logits,) = session.run(["logits"], feed_inputs(names, ids, attention, positions))  # type: ignore[attr-defined]
    at = 0 if POSITIONS_INPUT in names else position  # a gathering graph answers at the asked positions only
    return log_softmax(logits[0, at][None])[0]


if __name__ == "__main__":
    raise SystemExit(main())
