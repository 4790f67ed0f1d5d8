"""``python -m bench``: every benchmark in one run; prints the report and writes ``docs/benchmarks.md``.

Speed (median/p95 latency of four requests), cold start (command line, window, pipeline), peak
memory, ``fill --jsonl`` throughput over 1,000 items, int8-vs-fp32 agreement and quality on the
shared evaluation sets: Cloze int8, Cloze fp32 and the transformers pipeline, all in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bench import agreement, coldstart, quality, speed, throughput
from bench import threads as thread_settings
from bench.heldout import load_heldout
from bench.machine import describe_machine
from bench.memory import memory_table
from bench.models import DEFAULT_MODEL, REPO, BenchModels, default_cache, prepare, reference_is_stale
from bench.report import DOCS_FILE, Section, render, write_docs

LABELS = speed.LABELS


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--int8", type=Path, default=None, help="Cloze model folder (default: models/cloze-minilm-en)"
    )
    parser.add_argument(
        "--reference", type=Path, default=None, help="transformers folder (default: <int8>/reference)"
    )
    parser.add_argument("--threads", type=int, default=0, help="threads for every system (0: physical cores)")
    parser.add_argument("--reps", type=int, default=20, help="timed requests per workload and system")
    parser.add_argument(
        "--thread-reps", type=int, default=10, help="timed requests per workload and thread setting (0: skip)"
    )
    parser.add_argument("--starts", type=int, default=3, help="cold starts per process")
    parser.add_argument("--items", type=int, default=throughput.ITEMS, help="items in the fill --jsonl file")
    parser.add_argument(
        "--agreement-items",
        type=int,
        default=200,
        help="held-out sentences run through fp32 for the agreement",
    )
    parser.add_argument(
        "--limit", type=int, default=None, help="N items of each quality set, spread evenly (default: all)"
    )
    parser.add_argument(
        "--before",
        metavar="REV",
        default=None,
        help="also time the engine of this git revision (e.g. the commit before a speed change), same run",
    )
    parser.add_argument("--eval-dir", type=Path, default=throughput.EVAL_DIR)
    parser.add_argument("--docs", type=Path, default=DOCS_FILE, help="where the report goes")
    parser.add_argument("--no-docs", action="store_true", help="print only; leave docs/benchmarks.md alone")
    return parser


def _rel(path: Path) -> str:
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def _models_lines(m: BenchModels) -> list[str]:
    from cloze_app.core.engine.manifest import read_manifest

    manifest = read_manifest(m.int8)
    ref_info = m.reference / "reference.json"
    step = json.loads(ref_info.read_text()).get("step") if ref_info.is_file() else None
    size = (m.int8 / "model.onnx").stat().st_size / 1e6
    stale = reference_is_stale(m.int8, m.reference)
    return [
        *([f"**Warning:** {stale}"] if stale else []),
        f"Cloze int8: `{_rel(m.int8)}` — {manifest.name}, `model.onnx` {size:.1f} MB, "
        f"sha256 {manifest.files.get('model.onnx', '?')[:12]}",
        f"transformers reference: `{_rel(m.reference)}` — the same weights as a `BertForMaskedLM` "
        f"(training checkpoint{f' step {step}' if step is not None else ''}, weights rounded to float16 "
        "for the repository and run in float32)",
        f"Cloze fp32: that reference exported to ONNX at bench time (`{_rel(m.fp32)}`, not committed), "
        f"{(m.fp32 / 'model.onnx').stat().st_size / 1e6:.1f} MB",
    ]


def _conditions(busy: tuple[str, ...], load: tuple[float, float, float] | None, threads: int) -> list[str]:
    lines = [
        f"Every system uses {threads} thread(s) (Cloze: that many runs of a request at once, one "
        "onnxruntime thread each; the pipeline: `torch.set_num_threads`)."
    ]
    if busy:
        lines.append(
            f"{len(busy)} other process(es) were busy when the run started (listed under Machine): absolute "
            "timings are noisy and pessimistic; ratios measured in the same run still compare the systems."
        )
    elif load and load[0] > 0.5:
        lines.append(f"The machine was not idle at the start (load average {load[0]:.2f}).")
    return lines


METHOD = [
    "Latency: each system runs in its own process, loads once, makes 3 warm-up requests, then times "
    "each request `--reps` times (wall clock per call), the requests taking turns (one of each per "
    "round, so the floor and the requests see the same load); the systems take turns too, over two "
    "rounds of a process each with half the requests. Cloze answers with "
    "`ClozeEngine.fill(text, top_k=10)` (ranked whole words, multi-piece words decoded, joint filling "
    "for several blanks) or "
    "`score_options`; the pipeline with `pipeline('fill-mask')(text, top_k=10)` (single tokens) or "
    "`targets=[4 words]`. The pipeline cannot fill several blanks jointly, so that row is n/a.",
    "Cold start: a fresh `python` process per start, timed from launch to the first line that shows a "
    "prediction (`python -m cloze_app fill TEXT`; the window via `cloze_app.gui.app.run_app` offscreen, "
    "quitting when the first suggestions are shown; the pipeline importing transformers, loading and "
    "predicting once). The first start of each kind, with an empty Cloze home, is shown apart; the timed "
    "starts reuse that home, so the operating system's file cache and Cloze's cache (the checked "
    "position-gathering graph and the optimized graph) are warm, as for a user who has opened Cloze "
    "before; Python's bytecode is written on the first start and read by the timed ones (a wheel "
    "install compiles it), even where `PYTHONDONTWRITEBYTECODE` is set.",
    "Floor: one `session.run` of the one-mask row of the 16-token sentence on Cloze's own session "
    "(the head gathered at the blank), the least work any answer needs; the profile counts one "
    "request's calls, rows and time inside onnxruntime through the engine's runner.",
    "Peak memory: the high-water mark of resident memory (`VmHWM`) of each child process.",
    "Throughput: `python -m cloze_app fill --jsonl FILE --top-k 11` over the held-out sentences, the "
    "SWORDS contexts and BLiMP sentences (one blank each), one process, model load included "
    "in the whole-run figure.",
    "Agreement: int8 vs fp32 on `bench/heldout.jsonl` (sentences the model never trained on: held-out "
    "Wikipedia leads, CC BY-SA 4.0, and Jane Austen, public domain), comparing the words `fill` shows "
    "and the raw model output at a single `[MASK]`. The fp32 graph comes from the float16-rounded "
    "reference weights, the int8 one from the float32 training weights, so part of the difference is "
    "the rounding (max logit change 1e-2).",
    "Quality: every set goes through `python -m cloze_app fill --jsonl` (see `bench/quality.py` for "
    "the exact scoring); the evaluation sets are development sets.",
    "A benchmark is not a test: the tests only check that these scripts run on a tiny model.",
]


QUALITY_NOTES = [
    "BLiMP and Gaokao: each item's options (`good`/`bad`; the four Gaokao options, some multi-word) "
    "go in the `options` field and Cloze ranks them; an item counts when the right option comes first.",
    "SWORDS: the blanked context is filled with `--top-k 11`; the target word itself is dropped and the "
    "first 10 candidates kept. Gold = the substitutes at least half of the judges accepted (score ≥ 0.5); "
    "P@1 = the first candidate is gold, R@10 = the share of gold substitutes among the 10 (multi-word "
    "gold substitutes cannot be matched by one word and count as missed). Items without gold are skipped.",
    "Held-out text: one word of each `bench/heldout.jsonl` sentence is blanked; masked-word top-1/top-5 = "
    "the original word (any case) is the first / among the first five candidates. This is a whole-word "
    "measure, stricter than the training's token-level held-out accuracy.",
    "These are development sets; report them as such.",
]


def targets_table(speeds: dict[str, dict], starts: dict[str, dict], run: throughput.FillRun) -> list[str]:
    """Markdown: each speed target, the figure measured in this run, and whether it holds."""

    def med(system: str, key: str) -> float | None:
        times = speeds.get(system, {}).get("latency_ms", {}).get(key)
        return statistics.median(times) if times else None

    def start(key: str) -> float | None:
        return statistics.median(starts[key]["seconds"]) if key in starts else None

    rows: list[tuple[str, float | None, str, bool | None]] = []
    short, para = med("cloze-int8", "short"), med("cloze-int8", "paragraph")
    pipe_short, pipe_para = med("transformers", "short"), med("transformers", "paragraph")
    floor, joint = med("cloze-int8", speed.FLOOR), med("cloze-int8", "joint")

    def ratio(a: float | None, b: float | None) -> float | None:
        return a / b if a is not None and b else None

    r = ratio(pipe_short, short)
    rows.append(("one blank, 16-token sentence: pipeline ÷ Cloze ≥ 3", r, "×", None if r is None else r >= 3))
    r = ratio(short, floor)
    rows.append(("one blank, 16-token sentence: Cloze ÷ floor ≤ 2", r, "×", None if r is None else r <= 2))
    r = ratio(pipe_para, para)
    rows.append(
        ("one blank, 128-token paragraph: pipeline ÷ Cloze ≥ 2", r, "×", None if r is None else r >= 2)
    )
    rows.append(
        ("three blanks decoded jointly ≤ 50 ms", joint, " ms", None if joint is None else joint <= 50)
    )
    rate = run.items_per_s
    rows.append(("`fill --jsonl` ≥ 100 items/s (whole run)", rate, " items/s", rate >= 100))
    cli, window = start("cli-int8"), start("window-int8")
    rows.append(("cold start, command line ≤ 0.5 s", cli, " s", None if cli is None else cli <= 0.5))
    rows.append(("cold start, window ≤ 0.8 s", window, " s", None if window is None else window <= 0.8))
    lines = ["| target | measured | holds |", "| --- | ---: | :---: |"]
    for label, value, unit, ok in rows:
        shown = "n/a" if value is None else f"{value:,.2f}{unit}"
        lines.append(f"| {label} | {shown} | {'n/a' if ok is None else ('yes' if ok else 'no')} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    started = time.perf_counter()
    date = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    machine = describe_machine()
    print("\n".join(machine.lines()), flush=True)
    threads = args.threads or machine.physical_cores or machine.logical_cores
    m = prepare((args.int8 or DEFAULT_MODEL), args.reference)
    systems = {"cloze-int8": m.int8, "cloze-fp32": m.fp32, "transformers": m.reference}

    old_root = Path(tempfile.mkdtemp(prefix="cloze-before-"))
    roots: dict[str, Path] = {}
    if args.before:
        coldstart.extract_revision(args.before, old_root)
        roots["cloze-before"] = old_root
        LABELS["cloze-before"] = f"Cloze int8, engine of `{args.before}`"
    timed = {"cloze-int8": m.int8, **({"cloze-before": m.int8} if args.before else {}), **systems}
    speeds = speed.run_speed(timed, threads, args.reps, engine_roots=roots)
    shutil.rmtree(old_root, ignore_errors=True)
    settings = thread_settings.run_threads(m.int8, args.thread_reps) if args.thread_reps else {}
    starts = coldstart.run_coldstart(m.int8, m.fp32, m.reference, threads, args.starts)
    items = throughput.mixed_items(args.eval_dir, args.items)
    runs = throughput.run_throughput({"cloze-int8": m.int8}, items, threads)
    all_heldout = [i for i, it in enumerate(items) if it["set"] == "heldout"]
    heldout = all_heldout[: args.agreement_items]
    runs["cloze-fp32"] = throughput.run_fill_jsonl(
        m.fp32, [{"text": items[i]["text"]} for i in heldout], threads=threads
    )
    int8_heldout = [runs["cloze-int8"].outputs[i] for i in heldout]
    agree = [
        agreement.word_agreement(int8_heldout, runs["cloze-fp32"].outputs),
        agreement.token_agreement(m.int8, m.fp32, [items[i]["text"] for i in all_heldout], threads),
    ]
    answers = {h: load_heldout()[items[h]["index"]] for h in heldout}
    accuracy = {
        s: quality.heldout_scores([answers[h] for h in heldout], outs)
        for s, outs in (("cloze-int8", int8_heldout), ("cloze-fp32", runs["cloze-fp32"].outputs))
    }
    scores = {
        "cloze-int8": quality.run_quality(
            m.int8, threads, eval_dir=args.eval_dir, limit=args.limit, mixed=(items, runs["cloze-int8"])
        )
    }
    memory_rows = [
        (LABELS[s], f"load + {args.reps + 3}× each request", r["peak_rss_bytes"]) for s, r in speeds.items()
    ]
    memory_rows += [
        (r["label"], "cold start, one prediction", int(statistics.median(r["peak_rss_bytes"])))
        for r in starts.values()
    ]
    memory_rows += [
        (LABELS[s], f"`fill --jsonl`, {len(r.outputs):,} items", r.peak_rss_bytes) for s, r in runs.items()
    ]
    agreement_notes = [
        f"Masked-word accuracy on these {len(heldout)} sentences: "
        + "; ".join(
            f"{LABELS[s]} top-1 {100 * a[0]:.1f}%, top-5 {100 * a[1]:.1f}%" for s, a in accuracy.items()
        )
        + "."
    ]

    sections = [
        Section(
            "Latency per request",
            f"Milliseconds per request, median / p95 over {args.reps} requests; the ratio columns divide "
            "each system's median by Cloze int8's (above 1: Cloze int8 is faster).",
            speed.speed_table(speeds),
        ),
        Section(
            "Where the time goes",
            "One request of each workload by Cloze int8 after the timed ones: `session.run` calls, rows, "
            "batch cells (rows × padded length, the work onnxruntime does) and wall time inside and "
            "outside onnxruntime (tokenizing, decoding, numpy).",
            speed.profile_table(speeds),
        ),
        *(
            [
                Section(
                    f"Where the time went before (`{args.before}`)",
                    f"The same profile for the engine of `{args.before}` (same model, same run).",
                    speed.profile_table(speeds, "cloze-before"),
                )
            ]
            if args.before
            else []
        ),
        *(
            [
                Section(
                    "Threads and spinning",
                    f"Cloze int8 median over {args.thread_reps} requests per setting, each setting in its "
                    "own process in this run; the fastest setting of each request in bold.",
                    thread_settings.threads_table(settings),
                )
            ]
            if settings
            else []
        ),
        Section(
            "Cold start",
            f"Seconds from starting the process to the first prediction on screen ({args.starts} starts).",
            coldstart.coldstart_table(starts),
        ),
        Section("Peak memory", "Peak resident set size of each process.", memory_table(memory_rows)),
        Section(
            "Targets",
            "Issue 14's targets, from the figures above (same run).",
            targets_table(speeds, starts, runs["cloze-int8"]),
        ),
        Section(
            "Throughput",
            f"`fill --jsonl` over a {len(items):,}-item file (Cloze fp32: its first {len(heldout)} held-out "
            "sentences, for the agreement below).",
            throughput.throughput_table(runs, LABELS),
        ),
        Section(
            "Agreement of int8 with fp32",
            f"On the held-out sentences of the throughput file: the words Cloze shows on the first "
            f"{len(heldout)} (the fp32 `fill --jsonl` run), the model output on all {len(all_heldout)}.",
            agreement.agreement_table(agree),
            agreement_notes,
        ),
        Section(
            "Quality",
            "Cloze int8 (the shipped model) through `python -m cloze_app fill --jsonl` on every set in "
            "`/work/shared/eval/` and on the held-out sentences.",
            quality.quality_table(scores, LABELS),
            QUALITY_NOTES,
        ),
    ]
    command = "python -m bench" + ("" if not argv else " " + " ".join(argv))
    text = render(
        date=date,
        command=command,
        machine=machine.lines(),
        models=_models_lines(m),
        conditions=_conditions(machine.busy_processes, machine.load_average, threads)
        + (
            [f"Quality sets were cut to {args.limit} items each, spread evenly (`--limit`)."]
            if args.limit
            else []
        ),
        sections=sections,
        method=[*METHOD, f"The whole run took {(time.perf_counter() - started) / 60:.1f} minutes."],
    )
    print()
    print(text)
    raw = default_cache() / "last-run.json"
    raw.write_text(
        json.dumps(
            {"date": date, "machine": machine.to_json(), "speed": speeds, "coldstart": starts}, indent=1
        )
    )
    if not args.no_docs:
        print(f"bench: wrote {write_docs(text, args.docs)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
