"""A local stand-in for the Hugging Face Hub on 127.0.0.1, for download tests (never the internet).

It serves the URLs huggingface_hub 2.x requests:

* ``GET /api/models/{repo}[/revision/{rev}][?blobs=true]``: the repo's commit and file list
  (``siblings`` with ``size``, ``blobId`` and, for LFS files, ``lfs.sha256``);
* ``GET /api/models/{repo}/tree/{rev}?recursive=true``: the file tree (``snapshot_download``);
* ``GET|HEAD /{repo}/resolve/{rev}/{path}``: a file, with ``ETag``, ``X-Repo-Commit``,
  ``X-Linked-Etag``/``X-Linked-Size`` for LFS files, and ``Range`` requests (206).

Point ``HF_ENDPOINT`` at :attr:`HubServer.url`. ``drop_after[path] = n`` makes the first GET of
that file stop after ``n`` bytes and close the connection (an interrupted download);
``serve_instead[path] = data`` sends other bytes than the file list promises (a corrupt download);
``hold_at[path] = n`` sends ``n`` bytes of that file, then waits for :attr:`HubServer.release`.

A malicious or broken Hub, for the bad-input suite: ``endless.add(path)`` sends that file's bytes
and then keeps sending (bounded at :data:`ENDLESS_LIMIT`, far beyond any listed size);
``redirect_loop = True`` answers every request with a redirect to itself; ``api_html = True``
answers the API with an HTML page; ``api_answer`` replaces the API's JSON with any value; a
repo's ``commit`` or file names may hold anything (``../../x``) to try a path traversal.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

LFS_SUFFIXES = (".onnx", ".safetensors", ".bin", ".onnx_data")
ENDLESS_LIMIT = 64 << 20  # what an "endless" body sends at most before the server gives up


def git_blob_id(data: bytes) -> str:
    """The id git (and the Hub's ``blobId``) gives a file's content."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Repo:
    """A repo at one commit: path -> bytes."""

    files: dict[str, bytes]
    commit: str = "0123456789abcdef0123456789abcdef01234567"

    def is_lfs(self, name: str) -> bool:
        return name.endswith(LFS_SUFFIXES)

    def sibling(self, name: str) -> dict[str, object]:
        data = self.files[name]
        entry: dict[str, object] = {"rfilename": name, "size": len(data), "blobId": git_blob_id(data)}
        if self.is_lfs(name):
            entry["lfs"] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 134}
        return entry

    def tree_entry(self, name: str) -> dict[str, object]:
        """A file as ``/api/models/{repo}/tree/{rev}?recursive=true`` lists it (snapshot_download)."""
        sibling = self.sibling(name)
        entry: dict[str, object] = {
            "type": "file",
            "path": name,
            "size": sibling["size"],
            "oid": sibling["blobId"],
        }
        if self.is_lfs(name):
            lfs = dict(sibling["lfs"])  # type: ignore[call-overload]
            entry["lfs"] = {"oid": lfs["sha256"], "size": lfs["size"], "pointerSize": lfs["pointerSize"]}
        return entry

    def etag(self, name: str) -> str:
        data = self.files[name]
        return hashlib.sha256(data).hexdigest() if self.is_lfs(name) else git_blob_id(data)


@dataclass
class HubServer:
    """The server's state: repos, fault injection and a log of (method, path, Range) requests."""

    repos: dict[str, Repo] = field(default_factory=dict)
    drop_after: dict[str, int] = field(default_factory=dict)
    serve_instead: dict[str, bytes] = field(default_factory=dict)
    hold_at: dict[str, int] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)
    endless: set[str] = field(default_factory=set)
    redirect_loop: bool = False
    api_html: bool = False
    api_answer: object = None
    sent: dict[str, int] = field(default_factory=dict)  # bytes written per file name
    url: str = ""

    def add_folder(self, repo: str, folder: Path) -> Repo:
        """Serve every file under ``folder`` as repo ``repo``."""
        files = {
            p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
        }
        self.repos[repo] = Repo(files)
        return self.repos[repo]

    def gets(self, name: str) -> list[str | None]:
        """The Range header of every GET of file ``name``."""
        return [rng for method, path, rng in self.requests if method == "GET" and path.endswith("/" + name)]


_API = re.compile(r"^/api/models/(?P<repo>[^/]+/[^/]+)(?:/revision/(?P<rev>[^/]+))?$")
_TREE = re.compile(r"^/api/models/(?P<repo>[^/]+/[^/]+)/tree/(?P<rev>[^/]+)/?$")
_RESOLVE = re.compile(r"^/(?P<repo>[^/]+/[^/]+)/resolve/(?P<rev>[^/]+)/(?P<path>.+)$")


def _handler(state: HubServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # keep test output clean
            pass

        def _error(self, status: int, code: str) -> None:
            body = json.dumps({"error": code}).encode()
            self.send_response(status)
            self.send_header("X-Error-Code", code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, data: object, head: bool) -> None:
            body = json.dumps(data).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head:
                self.wfile.write(body)

        def do_HEAD(self) -> None:  # noqa: N802 (http.server's naming)
            self._serve(head=True)

        def do_GET(self) -> None:  # noqa: N802
            self._serve(head=False)

        def _redirect(self) -> None:
            self.send_response(302)
            self.send_header("Location", self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _html(self) -> None:
            body = b"<!DOCTYPE html><html><body><h1>Welcome to our portal</h1></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _serve(self, head: bool) -> None:
            path = unquote(urlsplit(self.path).path)
            state.requests.append((self.command, path, self.headers.get("Range")))
            if state.redirect_loop:
                return self._redirect()
            if path.startswith("/api/") and state.api_html:
                return self._html()
            if path.startswith("/api/") and state.api_answer is not None:
                return self._json(state.api_answer, head)
            tree = _TREE.match(path)
            if tree:
                repo = state.repos.get(tree["repo"])
                if repo is None:
                    return self._error(404, "RepoNotFound")
                return self._json([repo.tree_entry(name) for name in repo.files], head)
            api = _API.match(path)
            if api:
                repo = state.repos.get(api["repo"])
                if repo is None:
                    return self._error(404, "RepoNotFound")
                data = {
                    "id": api["repo"],
                    "modelId": api["repo"],
                    "sha": repo.commit,
                    "siblings": [repo.sibling(name) for name in repo.files],
                }
                return self._json(data, head)
            resolve = _RESOLVE.match(path)
            if not resolve:
                return self._error(404, "NotFound")
            repo = state.repos.get(resolve["repo"])
            if repo is None:
                return self._error(404, "RepoNotFound")
            if resolve["rev"] not in ("main", repo.commit):
                return self._error(404, "RevisionNotFound")
            name = resolve["path"]
            if name not in repo.files:
                return self._error(404, "EntryNotFound")
            return self._file(repo, name, head)

        def _file(self, repo: Repo, name: str, head: bool) -> None:
            data = repo.files[name]
            if name in state.endless and not head:
                return self._endless(name, data)
            start = 0
            match = re.match(r"bytes=(\d+)-$", self.headers.get("Range") or "")
            if match:
                start = int(match.group(1))
                if start >= len(data):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(data)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
            self.send_response(206 if match else 200)
            etag = repo.etag(name)
            self.send_header("ETag", f'"{etag}"')
            self.send_header("X-Repo-Commit", repo.commit)
            if repo.is_lfs(name):
                self.send_header("X-Linked-Etag", f'"{etag}"')
                self.send_header("X-Linked-Size", str(len(data)))
            self.send_header("Accept-Ranges", "bytes")
            if match:
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            self.send_header("Content-Length", str(len(data) - start))
            self.end_headers()
            if head:
                return
            data = state.serve_instead.get(name, data)
            cut = state.drop_after.pop(name, None) if self.command == "GET" else None
            if cut is not None:
                self.wfile.write(data[start : start + cut])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)  # mid-body: the client sees a broken download
                return
            hold = state.hold_at.pop(name, None) if self.command == "GET" else None
            if hold is not None:
                self.wfile.write(data[start : start + hold])
                self.wfile.flush()
                state.release.wait(timeout=30)
                start += hold
            self.wfile.write(data[start:])

        def _endless(self, name: str, data: bytes) -> None:
            """The promised bytes, then more until the client hangs up (or ENDLESS_LIMIT)."""
            self.send_response(200)
            self.send_header("Content-Length", str(ENDLESS_LIMIT + len(data)))
            self.end_headers()
            chunk = data + b"x" * (1 << 16)
            sent = 0
            try:
                while sent < ENDLESS_LIMIT:
                    self.wfile.write(chunk)
                    sent += len(chunk)
                    state.sent[name] = sent
            except OSError:
                pass
            self.close_connection = True

    return Handler


class running_hub:  # noqa: N801 (used as a context manager, like open())
    """``with running_hub() as hub:`` starts the server on a free port and stops it afterwards."""

    def __init__(self) -> None:
        self.state = HubServer()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.state))
        self.server.daemon_threads = True
        self.state.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> HubServer:
        self.thread.start()
        return self.state

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
