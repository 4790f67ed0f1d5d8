"""How close each int8 graph of the bundled model is to its float reference, at the blank.

The engine runs the vocabulary head only at the asked positions (a rewritten graph, see
``core/engine/head_gather.py``). With int8 activations quantized per batch, that changes the
arithmetic slightly; on CPUs without VNNI, onnxruntime's u8s8 kernels also round the two graphs
differently. Small eval sets then move by a few items either way, so this script asks the real
question instead: on held-out sentences (``bench/heldout.jsonl``, one blank each), which graph
predicts more like the float model (the reference weights in ``models/cloze-minilm-en/reference``)?

    python -m bench.head_fidelity [--limit 300]

Prints, per graph: the share of blanks whose best word is the float model's, the mean overlap of
the 5 best words, the mean absolute log-probability gap on the float model's 10 best words, and
the mean KL divergence from the float model's distribution (lower is closer).
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
    args = parser.parse_args(argv)

    import onnxruntime as ort
    import torch
    from tokenizers import Tokenizer
    from transformers import AutoModelForMaskedLM

    from cloze_app.core.engine.head_gather import POSITIONS_INPUT, load_gathered
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

    names = ("full head", "gathered head")
    sums = {name: np.zeros(4) for name in names}
    count = 0
    for line in HELDOUT.read_text(encoding="utf-8").splitlines()[: args.limit]:
        text = json.loads(line)["text"].replace("___", "[MASK]", 1)
        ids = np.array([tok.encode(text).ids[:128]], dtype=np.int64)
        positions = np.flatnonzero(ids[0] == mask_id)
        if len(positions) != 1:
            continue
        feed = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        got = {"full head": log_softmax(full.run(["logits"], feed)[0][0][positions])[0]}
        feed[POSITIONS_INPUT] = positions[None].astype(np.int64)
        got["gathered head"] = log_softmax(gathered.run(["logits"], feed)[0][0])[0]
        with torch.no_grad():
            want = log_softmax(reference(input_ids=torch.tensor(ids)).logits[0][positions].numpy())[0]
        top10 = np.argsort(-want)[:10]
        top5 = set(top10[:5].tolist())
        for name, log_probs in got.items():
            sums[name] += (
                float(log_probs.argmax() == want.argmax()),
                len(top5 & set(np.argsort(-log_probs)[:5].tolist())),
                float(np.abs(log_probs[top10] - want[top10]).mean()),
                float((np.exp(want) * (want - log_probs)).sum()),
            )
        count += 1
    print(f"{count} held-out blanks, int8 graphs against the float reference (same run)")
    print("| graph | best word as float | top-5 overlap | mean |gap| top-10 (nats) | KL (nats) |")
    print("|---|---:|---:|---:|---:|")
    for name in names:
        best, overlap, gap, kl = sums[name] / max(count, 1)
        print(f"| {name} | {best:.1%} | {overlap:.2f} | {gap:.3f} | {kl:.4f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
