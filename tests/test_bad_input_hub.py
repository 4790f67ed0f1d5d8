"""A malicious or broken Hub (127.0.0.1 only): every answer is checked before it reaches a path,
a download stops at the listed size, and nothing outside Cloze's cache is written or deleted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("huggingface_hub")

from cloze_app.core import paths  # noqa: E402
from cloze_app.core.errors import ModelError  # noqa: E402
from cloze_app.core.models.hub import (  # noqa: E402
    RemoteModel,
    download_dir,
    download_files,
    download_model,
    list_remote,
)
from tests.hub_server import ENDLESS_LIMIT, HubServer, Repo, running_hub  # noqa: E402

REPO = "evil/model"
ONNX = "onnx/model_quantized.onnx"
GOOD_COMMIT = "0123456789abcdef0123456789abcdef01234567"
TOKENIZER = {"rfilename": "tokenizer.json"}


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[HubServer]:
    with running_hub() as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        yield server


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A folder of the user's outside every Cloze folder; no test may change it."""
    folder = tmp_path / "victim"
    folder.mkdir()
    (folder / "thesis.txt").write_text("years of work")
    return folder


def small_repo() -> Repo:
    return Repo({ONNX: b"\0" * 1000, "tokenizer.json": b"{}", "config.json": b"{}"})


def untouched(victim: Path) -> bool:
    return sorted(p.name for p in victim.iterdir()) == ["thesis.txt"] and (
        (victim / "thesis.txt").read_text() == "years of work"
    )


@pytest.mark.parametrize(
    "commit",
    ["../../../victim", "/tmp/victim", "0123456789ABCDEF0123456789ABCDEF01234567", "main", "", "a" * 41],
)
def test_a_commit_id_that_is_not_40_hex_digits_is_refused(hub: HubServer, victim: Path, commit: str) -> None:
    hub.repos[REPO] = small_repo()
    hub.repos[REPO].commit = commit
    with pytest.raises(ModelError, match="commit id"):
        list_remote(REPO)
    with pytest.raises(ModelError):
        download_model(REPO)
    assert untouched(victim)
    assert not any(p for _m, p, _r in hub.requests if "/resolve/" in p)  # not one file fetched


def test_download_dir_never_leaves_the_cache_whatever_the_remote_says(victim: Path) -> None:
    for repo, revision in ((REPO, "../../victim"), ("../..", GOOD_COMMIT), ("a/b/../../c", GOOD_COMMIT)):
        with pytest.raises(ModelError):
            download_dir(RemoteModel(repo, revision, "onnx", ()))
    inside = download_dir(RemoteModel(REPO, GOOD_COMMIT, "onnx", ()))
    assert inside.parent == paths.cache_dir() / "downloads"


@pytest.mark.parametrize("name", ["../../victim/x.onnx", "/etc/passwd", "onnx/../../../x", "a\\..\\b", "C:x"])
def test_a_file_name_leading_outside_the_repo_is_refused(hub: HubServer, victim: Path, name: str) -> None:
    repo = small_repo()
    repo.files[name] = b"payload"
    hub.repos[REPO] = repo
    with pytest.raises(ModelError, match="outside the repo"):
        list_remote(REPO)
    assert untouched(victim)


@pytest.mark.parametrize("repo_id", ["../etc", "org/../../x", "org/name/extra", "org /name", "org/"])
def test_a_repo_id_that_is_no_repo_id_is_refused_before_asking(hub: HubServer, repo_id: str) -> None:
    with pytest.raises(ModelError):
        download_model(repo_id)
    assert hub.requests == []


def test_an_endless_body_stops_at_the_listed_size_and_is_deleted(hub: HubServer) -> None:
    hub.repos[REPO] = small_repo()
    hub.endless.add(ONNX)
    remote = list_remote(REPO)
    with pytest.raises(ModelError, match="more than the 1,000 bytes"):
        download_files(remote)
    folder = download_dir(remote)
    written = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    assert written <= 1000 + 1024  # what was listed (plus the small files), not megabytes
    assert not list(folder.rglob("*.part"))
    assert hub.sent.get(ONNX, 0) < ENDLESS_LIMIT  # the client hung up; the server did not run out


def test_a_stale_download_that_is_a_link_is_unlinked_not_followed(hub: HubServer, victim: Path) -> None:
    hub.repos[REPO] = small_repo()
    remote = list_remote(REPO)
    root = paths.cache_dir() / "downloads"
    root.mkdir(parents=True, exist_ok=True)
    link = root / f"evil--model@{'f' * 40}"
    link.symlink_to(victim, target_is_directory=True)
    download_files(remote)
    assert not link.exists() and not link.is_symlink()
    assert untouched(victim)


def test_a_redirect_loop_is_a_clear_message(hub: HubServer) -> None:
    hub.redirect_loop = True
    with pytest.raises(ModelError, match="redirects in a loop"):
        list_remote(REPO)
    assert len(hub.requests) <= 64  # bounded, not endless


def test_an_html_page_instead_of_the_api_is_a_clear_message(hub: HubServer) -> None:
    hub.api_html = True
    with pytest.raises(ModelError, match="unusable answer"):
        list_remote(REPO)


@pytest.mark.parametrize(
    "answer",
    [
        [1, 2, 3],
        "just a string",
        {"sha": GOOD_COMMIT, "siblings": "not a list"},
        {"sha": GOOD_COMMIT, "siblings": [{"rfilename": 5}]},
        {"sha": GOOD_COMMIT, "siblings": [{"rfilename": ONNX, "size": -4}, TOKENIZER]},
        {
            "sha": GOOD_COMMIT,
            "siblings": [{"rfilename": ONNX, "size": "big"}, {"rfilename": "tokenizer.json"}],
        },
        {
            "sha": GOOD_COMMIT,
            "siblings": [{"rfilename": ONNX, "blobId": "../x"}, {"rfilename": "tokenizer.json"}],
        },
        {"sha": 12, "siblings": []},
        {"id": REPO},
    ],
)
def test_an_api_answer_of_the_wrong_shape_is_a_clear_message(hub: HubServer, answer: object) -> None:
    hub.api_answer = answer
    with pytest.raises(ModelError, match="unusable answer"):
        list_remote(REPO)


def test_a_file_that_redirects_in_a_loop_is_a_clear_message(hub: HubServer) -> None:
    hub.repos[REPO] = small_repo()
    remote = list_remote(REPO)
    hub.redirect_loop = True
    with pytest.raises(ModelError, match="redirects in a loop"):
        download_files(remote)


def test_an_html_page_instead_of_a_file_fails_its_checksum_and_is_deleted(hub: HubServer) -> None:
    repo = small_repo()
    hub.repos[REPO] = repo
    hub.serve_instead["tokenizer.json"] = b"<html>"  # the listed size, other bytes
    remote = list_remote(REPO)
    with pytest.raises(ModelError, match="checksum"):
        download_files(remote)
    assert not list(download_dir(remote).rglob("tokenizer.json*"))
