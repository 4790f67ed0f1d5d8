"""``cloze models``: list, add, convert, download, remove models and choose the default one."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from cloze_app.core.app.settings import default_model_id, load_settings, save_settings
from cloze_app.core.errors import ModelError
from cloze_app.core.models.catalog import CATALOG
from cloze_app.core.models.registry import ModelRegistry
from cloze_app.core.models.speed import measure_speed, read_speed, save_speed
from cloze_app.core.models.store import (
    InstallResult,
    check_default_candidate,
    convert_and_install,
    install_folder,
    remove_model,
)
from cloze_app.core.types import ModelInfo


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``models`` and its subcommands (bare ``models`` lists the installed models)."""
    parser = subparsers.add_parser(
        "models",
        help="list, add, convert, download, remove models; choose the default",
        description="Manage the fill-mask models Cloze can use. Without a subcommand: list them.",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=run_list)
    sub = parser.add_subparsers(dest="models_command", metavar="ACTION")

    listing = sub.add_parser("list", help="installed models (* marks the default)")
    listing.set_defaults(func=run_list)

    add = sub.add_parser("add", help="install an ONNX model folder (Cloze or transformers.js layout)")
    add.add_argument("path", type=Path, help="folder with cloze-model.json, or an ONNX file + tokenizer.json")
    add.set_defaults(func=run_add)

    convert = sub.add_parser(
        "convert", help="convert a Hugging Face checkpoint folder (safetensors) to int8 ONNX and install it"
    )
    convert.add_argument("path", type=Path, help="folder with config.json + model.safetensors + tokenizer")
    convert.set_defaults(func=run_convert)

    download = sub.add_parser("download", help="download a catalog model or a Hub repo (org/name)")
    download.add_argument("model", metavar="ID|REPO", help="catalog id (see `models catalog`) or Hub repo id")
    download.add_argument("--revision", default="main", help="branch, tag or commit (default main)")
    download.add_argument(
        "--dry-run", action="store_true", help="only show the files and exact size; download nothing"
    )
    download.set_defaults(func=run_download)

    for command in (add, convert, download):
        command.add_argument("--id", dest="model_id", metavar="ID", help="install under this id")
        command.add_argument("--default", action="store_true", help="make it the default model")
        command.add_argument("--replace", action="store_true", help="replace an installed model with this id")
        command.add_argument(
            "--force", action="store_true", help="install even when int8 disagrees badly with fp32"
        )
    for command in (add, convert):
        command.add_argument("--name", help="name shown in the model list")
        command.add_argument("--language", action="append", help="language code (repeatable), e.g. de")
        command.add_argument("--license", help="license id, e.g. apache-2.0")
        command.add_argument(
            "--no-quantize", action="store_true", help="keep fp32 (larger and slower than int8)"
        )

    catalog = sub.add_parser("catalog", help="models known to work, with languages, size and license")
    catalog.set_defaults(func=run_catalog)

    info = sub.add_parser("info", help="details of one model; --measure times it on this machine")
    info.add_argument("model_id", metavar="ID")
    info.add_argument("--measure", action="store_true", help="measure its speed now")
    info.set_defaults(func=run_info)

    remove = sub.add_parser("remove", help="delete an installed model")
    remove.add_argument("model_id", metavar="ID")
    remove.set_defaults(func=run_remove)

    default = sub.add_parser("default", help="show or set the model Cloze opens with")
    default.add_argument("model_id", metavar="ID", nargs="?")
    default.set_defaults(func=run_default)

    for command in (listing, add, convert, download, catalog, info, remove, default):
        # SUPPRESS keeps `models --json list` and `models list --json` the same.
        command.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")


def model_json(info: ModelInfo) -> dict[str, Any]:
    """A model as JSON, with its measured speed when known."""
    data = asdict(info)
    data["languages"] = list(info.languages)
    speed = read_speed(info.id)
    data["speed_ms"] = speed.median_ms if speed else None
    return data


def _print(args: argparse.Namespace, data: Any, text: str) -> None:
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(text)


def _size(size_bytes: int) -> str:
    return f"{size_bytes / 1e6:.0f} MB" if size_bytes >= 1e6 else f"{size_bytes / 1e3:.0f} kB"


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.1f} ms" if value >= 1 else f"{value:.2f} ms"


def run_list(args: argparse.Namespace) -> int:
    """Print the installed models, the default first marked with *, and any broken folders."""
    models, broken = ModelRegistry().scan()
    default = default_model_id()
    data: dict[str, Any] = {
        "default": default,
        "models": [model_json(m) for m in models],
        "broken": [{"path": str(b.path), "reason": b.reason} for b in broken],
    }
    rows = [f"  {'ID':<28} {'LANGUAGES':<14} {'SIZE':>8} {'QUANT':<6} {'SPEED':>9}  LICENSE"]
    for model in data["models"]:
        mark = "*" if model["id"] == default else " "
        speed = _ms(model["speed_ms"])
        langs = ",".join(model["languages"]) or "?"
        langs = langs if len(langs) <= 14 else langs[:13] + "…"
        bundled = "  (bundled)" if model["bundled"] else ""
        rows.append(
            f"{mark} {model['id']:<28} {langs:<14} {_size(model['size_bytes']):>8} "
            f"{model['quantization']:<6} {speed:>9}  {model['license']}{bundled}"
        )
    if not models:
        rows.append("  (no models installed: see `python -m cloze_app models catalog`)")
    rows += [f"! {b['path']}: {b['reason']}" for b in data["broken"]]
    _print(args, data, "\n".join(rows))
    return 0


def _stage(args: argparse.Namespace) -> Any:
    return None if args.json else (lambda message: print(f"… {message}", file=sys.stderr))


def _install_options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {
        "make_default": args.default,
        "replace_existing": args.replace,
        "force": args.force,
    }
    if args.model_id:
        options["model_id"] = args.model_id
    for key in ("name", "license"):
        if getattr(args, key, None):
            options[key] = getattr(args, key)
    if getattr(args, "language", None):
        options["languages"] = tuple(args.language)
    return options


def _make_default(model_id: str) -> None:
    """Save ``model_id`` as the default in the settings (their one writer)."""
    settings, _warning = load_settings()
    save_settings(replace(settings, model=model_id))


def _report(args: argparse.Namespace, result: InstallResult) -> int:
    if result.make_default:
        _make_default(result.info.id)
    agreement = result.agreement
    data = {
        "installed": model_json(result.info),
        "agreement": asdict(agreement) if agreement else None,
        "warnings": list(result.warnings),
    }
    lines = [f"Installed {result.info.id} ({result.info.quantization}, {_size(result.info.size_bytes)}) "
             f"in {result.info.path}"]  # fmt: skip
    if agreement:
        lines.append(f"Check: {agreement.describe()}.")
    lines += [f"Warning: {w}" for w in result.warnings]
    _print(args, data, "\n".join(lines))
    return 0


def run_add(args: argparse.Namespace) -> int:
    """Install an ONNX model folder."""
    options = _install_options(args)
    result = install_folder(args.path, quantize=not args.no_quantize, on_stage=_stage(args), **options)
    return _report(args, result)


def run_convert(args: argparse.Namespace) -> int:
    """Convert a checkpoint to int8 ONNX and install it."""
    options = _install_options(args)
    result = convert_and_install(args.path, quantize=not args.no_quantize, on_stage=_stage(args), **options)
    return _report(args, result)


class _ProgressLine:
    """A progress line on stderr, redrawn at most a few times a second."""

    def __init__(self, quiet: bool) -> None:
        self.quiet, self.last = quiet, 0.0

    def __call__(self, progress: Any) -> None:
        now = time.monotonic()
        if self.quiet or (now - self.last < 0.25 and progress.done < progress.total):
            return
        self.last = now
        share = progress.done / progress.total if progress.total else 0.0
        line = (
            f"\r  {share:6.1%}  {progress.done / 1e6:8.1f} / {progress.total / 1e6:.1f} MB  {progress.file}"
        )
        print(line[:100].ljust(100), end="", file=sys.stderr, flush=True)


def run_download(args: argparse.Namespace) -> int:
    """Download (resuming when possible), convert if needed, install."""
    from cloze_app.core.models.hub import download_model

    if args.dry_run:
        return _dry_run(args)
    progress = _ProgressLine(args.json)
    try:
        result = download_model(
            args.model,
            revision=args.revision,
            progress=progress,
            on_stage=_stage(args),
            **_install_options(args),
        )
    except KeyboardInterrupt:
        print("\nDownload interrupted; run the same command again to resume.", file=sys.stderr)
        return 130
    finally:
        if not args.json:
            print(file=sys.stderr)
    return _report(args, result)


def _dry_run(args: argparse.Namespace) -> int:
    from cloze_app.core.models.catalog import find_entry
    from cloze_app.core.models.hub import list_remote

    entry = find_entry(args.model)
    repo = entry.repo if entry else args.model
    remote = list_remote(repo, args.revision)
    data = {
        "repo": repo,
        "revision": remote.revision,
        "layout": remote.layout,
        "files": [{"name": f.name, "size": f.size} for f in remote.files],
        "total_bytes": remote.total_bytes,
        "license": entry.license if entry else None,
        "languages": list(entry.languages) if entry else None,
    }
    how = "int8/ONNX, ready to install" if remote.layout == "onnx" else "a checkpoint, converted here"
    lines = [f"{repo} at {remote.revision[:12]}: {how}; {remote.total_bytes / 1e6:.1f} MB to download"]
    lines += [f"  {f.name:<36} {(f.size or 0) / 1e6:9.1f} MB" for f in remote.files]
    if entry:
        lines.append(f"License {entry.license}; languages {', '.join(entry.languages)}.")
    _print(args, data, "\n".join(lines))
    return 0


def run_catalog(args: argparse.Namespace) -> int:
    """Print the curated catalog (nothing is downloaded)."""
    installed = {m.id for m in ModelRegistry().models()}
    data = [asdict(entry) | {"installed": entry.id in installed} for entry in CATALOG]
    rows = [f"  {'ID':<30} {'LANGUAGES':<16} {'DOWNLOAD':>9} {'LICENSE':<11} REPO"]
    for entry in CATALOG:
        mark = "✓" if entry.id in installed else " "
        langs = ",".join(entry.languages)
        langs = langs if len(langs) <= 16 else langs[:15] + "…"
        how = "" if entry.ready_onnx else "  (converted here: needs cloze[convert])"
        rows.append(
            f"{mark} {entry.id:<30} {langs:<16} {'~' + str(entry.download_mb) + ' MB':>9} "
            f"{entry.license:<11} {entry.repo}{how}"
        )
    _print(args, data, "\n".join(rows))
    return 0


def _find(model_id: str) -> ModelInfo:
    for model in ModelRegistry().models():
        if model.id == model_id:
            return model
    raise ModelError(f"No model {model_id!r} is installed (see `python -m cloze_app models list`).")


def run_info(args: argparse.Namespace) -> int:
    """Print one model's details and its speed (measured now with --measure)."""
    info = _find(args.model_id)
    if args.measure:
        save_speed(measure_speed(Path(info.path)))
    data = model_json(info)
    data["default"] = info.id == default_model_id()
    width = max(len(key) for key in data)
    shown = {key: ", ".join(value) if isinstance(value, list) else value for key, value in data.items()}
    shown["speed_ms"] = (
        _ms(data["speed_ms"]) if data["speed_ms"] is not None else "not measured (use --measure)"
    )
    text = "\n".join(f"{key:<{width}}  {value}" for key, value in shown.items() if key != "extra")
    text += "".join(f"\n{key:<{width}}  {value}" for key, value in info.extra.items())
    _print(args, data, text)
    return 0


def run_remove(args: argparse.Namespace) -> int:
    """Delete an installed model."""
    info = remove_model(args.model_id)
    settings, _warning = load_settings()
    if settings.model == info.id:  # the default goes back to the bundled model
        save_settings(replace(settings, model=""))
    _print(args, {"removed": info.id, "default": default_model_id()}, f"Removed {info.id}.")
    return 0


def run_default(args: argparse.Namespace) -> int:
    """Show the default model, or set it."""
    if args.model_id:
        _make_default(check_default_candidate(args.model_id).id)
    default = default_model_id()
    _print(args, {"default": default}, f"Default model: {default}")
    return 0
