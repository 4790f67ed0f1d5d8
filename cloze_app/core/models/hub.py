"""Downloads a model from the Hugging Face Hub (or the mirror ``HF_ENDPOINT`` names) and installs it.

The file list, sizes and checksums come from ``HfApi.model_info(files_metadata=True)``; each file
is fetched with ``huggingface_hub``'s HTTP session into ``<cache>/downloads/<repo>@<commit>/`` as
``<name>.part``, so a cancelled or broken download resumes where it stopped (HTTP Range). Every
file is checked against the Hub's SHA-256 (LFS files) or git blob id (small files) before use.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cloze_app.core import paths
from cloze_app.core.engine.manifest import safe_relative_path
from cloze_app.core.errors import ModelError
from cloze_app.core.models.catalog import find_entry
from cloze_app.core.models.convert import MIN_AGREEMENT, StageFn, require
from cloze_app.core.models.inspect import CHECKPOINT_WEIGHTS, INFO_FILES, ONNX_CANDIDATES, PICKLE_WEIGHTS
from cloze_app.core.models.store import (
    InstallResult,
    check_free_id,
    convert_and_install,
    install_folder,
    model_id_for,
)

DEFAULT_ENDPOINT = "https://huggingface.co"
CHUNK = 1 << 16
RETRIES = 5
# A file the Hub lists without a size is never allowed to grow past this (an endless body).
MAX_UNLISTED_BYTES = 256 << 20
# What the Hub may answer, checked before any of it reaches a path: a commit is 40 hex digits,
# a repo id is ``org/name``, checksums are hex of their length.
_COMMIT = re.compile(r"[0-9a-f]{40}")
_REPO = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}")
_HEX = re.compile(r"[0-9a-f]+")
# Tokenizer files a checkpoint may carry instead of tokenizer.json (converted by transformers).
TOKENIZER_SOURCES = ("vocab.txt", "vocab.json", "merges.txt", "sentencepiece.bpe.model", "spiece.model")


@dataclass(frozen=True)
class RemoteFile:
    """A file in a Hub repo with what the Hub says it must hash to."""

    name: str
    size: int | None
    sha256: str | None  # LFS files
    blob_id: str | None  # git blob id (SHA-1 of "blob <size>\0" + content) of small files


@dataclass(frozen=True)
class RemoteModel:
    """The files Cloze will fetch from one repo at one commit, and whether they need conversion."""

    repo: str
    revision: str
    layout: str  # "onnx" (ready int8/fp32 ONNX) or "checkpoint" (safetensors, converted here)
    files: tuple[RemoteFile, ...]

    @property
    def total_bytes(self) -> int:
        """Bytes to download (files of unknown size count as 0)."""
        return sum(f.size or 0 for f in self.files)


@dataclass(frozen=True)
class DownloadProgress:
    """Where a download stands: the current file and the whole set, in bytes."""

    file: str
    file_done: int
    file_total: int
    done: int
    total: int


ProgressFn = Callable[[DownloadProgress], None]


class DownloadCancelled(ModelError):
    """The user stopped a download; the bytes fetched so far are kept for a later resume."""


def require_hub() -> None:
    """Say exactly what to install when huggingface_hub (2.x, with its httpx2 client) is missing."""
    try:
        import httpx2  # noqa: F401
        import huggingface_hub  # noqa: F401
    except ImportError as exc:
        raise ModelError(
            "Downloading models needs huggingface_hub 2.x, which is not installed. Install it with: "
            "pip install 'cloze[hub]'"
        ) from exc


def hub_endpoint() -> str:
    """The Hub to talk to: ``HF_ENDPOINT`` (read now, not at import) or huggingface.co."""
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def _offline_error(endpoint: str, exc: BaseException) -> ModelError:
    return ModelError(
        f"Cannot reach the Hugging Face Hub at {endpoint} ({type(exc).__name__}: {exc}). "
        "This computer seems to be offline, or a firewall blocks it. Cloze keeps working with the "
        "models already installed. To add this one: connect and try again (a started download "
        "resumes), or fetch the repo on another computer and add its folder with "
        "`python -m cloze_app models add FOLDER`."
    )


def _hub_errors(endpoint: str, repo: str, exc: Exception) -> ModelError:
    """Turn huggingface_hub and httpx errors into one clear sentence."""
    from huggingface_hub import errors

    if isinstance(exc, errors.GatedRepoError):
        return ModelError(f"{repo} is gated: accept its license on the Hub and log in (`hf auth login`).")
    if isinstance(exc, errors.RepositoryNotFoundError):
        return ModelError(f"There is no model {repo!r} on {endpoint} (or it is private).")
    if isinstance(exc, errors.RevisionNotFoundError):
        return ModelError(f"{repo} on {endpoint} has no such revision.")
    if isinstance(exc, errors.OfflineModeIsEnabled):
        return ModelError(
            f"HF_HUB_OFFLINE is set, so Cloze may not contact {endpoint}. Unset it to download."
        )
    if isinstance(exc, errors.HfHubHTTPError):
        return ModelError(f"The Hub at {endpoint} answered with an error for {repo}: {exc}")
    return _offline_error(endpoint, exc)


def _network_errors() -> tuple[type[BaseException], ...]:
    import httpx2
    from huggingface_hub import errors

    return (httpx2.TransportError, errors.HfHubHTTPError, errors.OfflineModeIsEnabled)


def check_repo_id(repo: str) -> str:
    """``repo`` when it is a Hub repo id (``org/name``: letters, digits, ``.``, ``_``, ``-``).

    Raises:
        ModelError: for anything else (``..``, more slashes, spaces), before it reaches a URL or path.
    """
    if not _REPO.fullmatch(repo) or ".." in repo:
        raise ModelError(f"{repo!r} is not a Hub repo id like 'org/name' (letters, digits, '.', '_', '-').")
    return repo


def _answer_error(endpoint: str, repo: str, what: str) -> ModelError:
    return ModelError(
        f"The Hub at {endpoint} gave an unusable answer for {repo} ({what}); nothing was downloaded. "
        "Check HF_ENDPOINT points at a Hugging Face Hub or mirror."
    )


def _remote_file(sibling: Any, endpoint: str, repo: str) -> RemoteFile:
    """One entry of the Hub's file list, every field checked before it is used."""
    name = getattr(sibling, "rfilename", None)
    if not isinstance(name, str):
        raise _answer_error(endpoint, repo, "a file without a name")
    try:
        safe_relative_path(name)
    except ModelError as exc:
        raise _answer_error(endpoint, repo, f"the file name {name!r} points outside the repo") from exc
    size = getattr(sibling, "size", None)
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
        raise _answer_error(endpoint, repo, f"{name!r} has the size {size!r}")
    lfs = getattr(sibling, "lfs", None)
    sha256 = getattr(lfs, "sha256", None) if lfs is not None else None
    blob_id = getattr(sibling, "blob_id", None)
    for digest, length in ((sha256, 64), (blob_id, 40)):
        if digest is not None and (
            not isinstance(digest, str) or len(digest) != length or not _HEX.fullmatch(digest)
        ):
            raise _answer_error(endpoint, repo, f"{name!r} has the checksum {digest!r}")
    return RemoteFile(name, size, sha256, blob_id)


def choose_files(names: dict[str, RemoteFile], repo: str) -> tuple[str, list[RemoteFile]]:
    """Pick what to download: int8 ONNX when the repo has it, else fp32 ONNX, else safetensors."""
    info = [names[n] for n in INFO_FILES if n in names]
    onnx = next((n for n in ONNX_CANDIDATES if n in names), None)
    if onnx is not None and "tokenizer.json" in names:
        extra = [names[n] for n in (onnx + "_data", onnx + ".data") if n in names]
        return "onnx", [names[onnx], *extra, names["tokenizer.json"], *info]
    if CHECKPOINT_WEIGHTS in names and "config.json" in names:
        tokenizer = ["tokenizer.json"] if "tokenizer.json" in names else list(TOKENIZER_SOURCES)
        return "checkpoint", [names[CHECKPOINT_WEIGHTS], *[names[n] for n in tokenizer if n in names], *info]
    if any(n in names for n in PICKLE_WEIGHTS):
        raise ModelError(
            f"{repo} has only pickle weights (pytorch_model.bin), which can run code when loaded; Cloze "
            "never opens those. Choose a repo with model.safetensors or an onnx/ folder."
        )
    raise ModelError(f"{repo} holds neither an ONNX model with tokenizer.json nor a safetensors checkpoint.")


def list_remote(repo: str, revision: str = "main", *, endpoint: str | None = None) -> RemoteModel:
    """Ask the Hub which files ``repo`` has at ``revision`` and choose the ones to download."""
    require_hub()
    import httpx2
    from huggingface_hub import HfApi

    check_repo_id(repo)
    endpoint = endpoint or hub_endpoint()
    try:
        info = HfApi(endpoint=endpoint).model_info(repo, revision=revision, files_metadata=True, timeout=30)
    except _network_errors() as exc:
        raise _hub_errors(endpoint, repo, exc) from exc  # type: ignore[arg-type]
    except httpx2.TooManyRedirects as exc:
        raise _answer_error(endpoint, repo, "it redirects in a loop") from exc
    except (ValueError, TypeError, KeyError, AttributeError, httpx2.HTTPError) as exc:
        # An HTML page, a JSON of another shape, a broken answer: huggingface_hub cannot parse it.
        raise _answer_error(endpoint, repo, f"{type(exc).__name__}: {str(exc)[:200]}") from exc
    sha = getattr(info, "sha", None)
    if not isinstance(sha, str) or not _COMMIT.fullmatch(sha):
        raise _answer_error(endpoint, repo, f"the commit id {str(sha)[:60]!r} is not 40 hex digits")
    siblings = getattr(info, "siblings", None) or []
    if not isinstance(siblings, list):
        raise _answer_error(endpoint, repo, "the file list is not a list")
    names = {}
    for sibling in siblings:
        remote = _remote_file(sibling, endpoint, repo)
        names[remote.name] = remote
    layout, files = choose_files(names, repo)
    return RemoteModel(repo, sha, layout, tuple(files))


def file_matches(path: Path, remote: RemoteFile) -> bool:
    """True when ``path`` has the size and hash the Hub lists (True when the Hub lists none)."""
    if remote.size is not None and path.stat().st_size != remote.size:
        return False
    if remote.sha256:
        digest = hashlib.sha256()
    elif remote.blob_id and len(remote.blob_id) == 40:
        digest = hashlib.sha1(f"blob {path.stat().st_size}\0".encode())
    else:
        return True
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest() == (remote.sha256 or remote.blob_id)


class _Fetcher:
    """Fetches one repo's files with resume, progress and cancel."""

    def __init__(self, remote: RemoteModel, dest: Path, endpoint: str, progress: ProgressFn | None,
                 cancel: threading.Event | None) -> None:  # fmt: skip
        self.remote, self.dest, self.endpoint = remote, dest, endpoint
        self.progress, self.cancel = progress, cancel
        self.done = 0

    def report(self, name: str, file_done: int, file_total: int) -> None:
        if self.progress is not None:
            total = self.remote.total_bytes
            self.progress(DownloadProgress(name, file_done, file_total, self.done + file_done, total))

    def check_cancel(self, have: int) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise DownloadCancelled(
                f"Download of {self.remote.repo} cancelled; {(self.done + have) / 1e6:.1f} MB are kept "
                "and the next download of this model resumes from there."
            )

    def fetch_all(self) -> None:
        for remote in self.remote.files:
            self.check_cancel(0)
            target = self.dest / safe_relative_path(remote.name)
            if not target.is_file() or not file_matches(target, remote):
                self.fetch(remote, target)
            size = target.stat().st_size
            self.report(remote.name, size, size)
            self.done += size

    def fetch(self, remote: RemoteFile, target: Path) -> None:
        import httpx2
        from huggingface_hub import hf_hub_url
        from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status

        url = hf_hub_url(self.remote.repo, remote.name, revision=self.remote.revision, endpoint=self.endpoint)
        part = target.with_name(target.name + ".part")
        part.parent.mkdir(parents=True, exist_ok=True)
        limit = remote.size if remote.size is not None else MAX_UNLISTED_BYTES
        failures = 0
        while True:
            have = start = part.stat().st_size if part.exists() else 0
            if remote.size is not None and have >= remote.size > 0:
                break
            headers = {**build_hf_headers(), "Accept-Encoding": "identity"}
            if have:
                headers["Range"] = f"bytes={have}-"
            try:
                with get_session().stream("GET", url, headers=headers, timeout=30) as response:
                    if response.status_code == 416 and have:  # the part is complete or wrong: start over
                        part.unlink()
                        continue
                    hf_raise_for_status(response)
                    resumed = bool(have) and response.status_code == 206
                    have = have if resumed else 0
                    length = response.headers.get("Content-Length", "0")
                    total = remote.size or (int(length) if length.isdigit() else 0) + have
                    with part.open("ab" if resumed else "wb") as handle:
                        for chunk in response.iter_bytes(CHUNK):
                            if have + len(chunk) > limit:
                                handle.close()
                                part.unlink()
                                raise ModelError(
                                    f"{self.endpoint} sent more than the {limit:,} bytes it lists for "
                                    f"{remote.name} of {self.remote.repo}; the download was stopped and "
                                    "deleted. Try again later or use another mirror."
                                )
                            handle.write(chunk)
                            have += len(chunk)
                            self.report(remote.name, have, total)
                            self.check_cancel(have)
                break
            except httpx2.TooManyRedirects as exc:
                raise _answer_error(
                    self.endpoint, self.remote.repo, f"{remote.name} redirects in a loop"
                ) from exc
            except _network_errors() as exc:
                from huggingface_hub.errors import HfHubHTTPError

                grew = part.exists() and part.stat().st_size > start
                failures = 0 if grew else failures + 1
                if isinstance(exc, HfHubHTTPError) or failures > RETRIES:
                    raise _hub_errors(self.endpoint, self.remote.repo, exc) from exc  # type: ignore[arg-type]
                time.sleep(min(0.2 * failures, 2.0))  # a dropped connection: resume from what arrived
        if not file_matches(part, remote):
            part.unlink()
            raise ModelError(
                f"{remote.name} from {self.remote.repo} does not match the checksum the Hub lists; the "
                "broken file was deleted. Try the download again."
            )
        part.replace(target)


def downloads_root() -> Path:
    """The one folder downloads are written to and deleted from."""
    return paths.cache_dir() / "downloads"


def download_dir(remote: RemoteModel) -> Path:
    """Where a repo's files collect while downloading (kept after a cancel, removed after install).

    Raises:
        ModelError: when the repo id or commit is not what the Hub may return (so no name from a
            server can lead outside :func:`downloads_root`).
    """
    check_repo_id(remote.repo)
    if not _COMMIT.fullmatch(remote.revision):
        raise ModelError(f"{remote.revision!r} is not a commit id (40 hex digits); nothing was downloaded.")
    return downloads_root() / f"{remote.repo.replace('/', '--')}@{remote.revision}"


def _remove_download(folder: Path) -> None:
    """Delete a download folder, but only a real folder directly inside :func:`downloads_root`."""
    root = downloads_root().resolve()
    if folder.is_symlink():
        folder.unlink()
        return
    if folder.resolve().parent != root:
        raise ModelError(f"Refusing to delete {folder}: it is not a download folder of Cloze.")
    shutil.rmtree(folder, ignore_errors=True)


def download_files(
    remote: RemoteModel,
    *,
    endpoint: str | None = None,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> Path:
    """Fetch (or resume) every file of ``remote``; verified files land under :func:`download_dir`."""
    dest = download_dir(remote)
    if dest.is_symlink():  # only ever our own folder, never a link to somewhere else
        dest.unlink()
    for stale in dest.parent.glob(f"{remote.repo.replace('/', '--')}@*"):
        if stale != dest:  # a download of an older commit cannot be resumed against this one
            _remove_download(stale)
    dest.mkdir(parents=True, exist_ok=True)
    _Fetcher(remote, dest, endpoint or hub_endpoint(), progress, cancel).fetch_all()
    return dest


def download_model(
    id_or_repo: str,
    *,
    revision: str = "main",
    model_id: str | None = None,
    make_default: bool = False,
    replace_existing: bool = False,
    min_agreement: float = MIN_AGREEMENT,
    force: bool = False,
    progress: ProgressFn | None = None,
    on_stage: StageFn | None = None,
    cancel: threading.Event | None = None,
) -> InstallResult:
    """Download a catalog model (by id) or any Hub repo (``org/name``), convert if needed, install.

    Raises:
        DownloadCancelled: when ``cancel`` is set (partial files stay for a resume).
        ModelError: offline, unknown repo, no usable files, checksum mismatch, or a failed install.
    """
    stage = on_stage or (lambda _message: None)
    require_hub()
    entry = find_entry(id_or_repo)
    repo = entry.repo if entry else id_or_repo
    if "/" not in repo:
        raise ModelError(f"{id_or_repo!r} is neither a catalog model nor a Hub repo id like 'org/name'.")
    check_repo_id(repo)
    endpoint = hub_endpoint()
    model_id = model_id or (entry.id if entry else model_id_for(repo))
    check_free_id(model_id, replace_existing)  # before fetching hundreds of megabytes
    stage(f"Asking {endpoint} for the files of {repo}")
    remote = list_remote(repo, revision, endpoint=endpoint)
    if remote.layout == "checkpoint":
        require("torch", "transformers", "onnx")  # say so before fetching hundreds of megabytes
    stage(f"Downloading {len(remote.files)} files ({remote.total_bytes / 1e6:.1f} MB)")
    folder = download_files(remote, endpoint=endpoint, progress=progress, cancel=cancel)
    options: dict[str, Any] = {
        "model_id": model_id,
        "source_label": f"{endpoint}/{repo} (revision {remote.revision})",
        "make_default": make_default,
        "replace_existing": replace_existing,
        "extra_fields": {"hub_repo": repo, "hub_revision": remote.revision},
    }
    if entry is None:
        options["name"] = repo
    else:
        options.update(name=entry.name, languages=entry.languages, license=entry.license,
                       description=entry.description)  # fmt: skip
    if remote.layout == "checkpoint":
        result = convert_and_install(
            folder, min_agreement=min_agreement, force=force, on_stage=on_stage, cancel=cancel, **options
        )
    else:
        result = install_folder(
            folder, min_agreement=min_agreement, force=force, on_stage=on_stage, cancel=cancel, **options
        )
    with contextlib.suppress(OSError, ModelError):
        _remove_download(folder)
    return result
