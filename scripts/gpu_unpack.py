"""Join the pieces that scripts/train_gpu.sh packed (best.pt.part-*) into one checkpoint; checks SHA-256.

python scripts/gpu_unpack.py FOLDER runs/cloze-minilm-en-gpu/ckpt-best.pt
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    src, dest = Path(argv[0]), Path(argv[1])
    parts = sorted(src.glob("best.pt.part-*"), key=lambda p: int(p.name.rsplit("-", 1)[1]))
    blob = b"".join(p.read_bytes() for p in parts)
    summary = src / "summary.json"
    want = json.loads(summary.read_text())["sha256"] if summary.exists() else None
    if want is None:
        print("no summary.json: the pieces are joined unchecked", file=sys.stderr)
    elif hashlib.sha256(blob).hexdigest() != want:
        print(f"SHA-256 mismatch after joining {len(parts)} pieces", file=sys.stderr)
        return 1
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(blob)
    print(f"{dest}: {len(blob):,d} bytes from {len(parts)} pieces")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
