"""./dev's system check: no apt-get when nothing is missing, whatever the listing tools do.

The check runs as ``./dev deps`` with fake ``ldconfig``, ``fc-list``, ``id`` and ``apt-get`` first
on PATH. The fake listings are long and name every library first, so a reader that stops at the
first match (``grep -q``) closes the pipe early and the writer dies of SIGPIPE: the false "missing"
that made ./dev run apt-get on most launches.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DEV = REPO / "dev"
# Every "library:package" pair the script checks, read from the script itself.
LIBS = re.findall(r"(lib[\w.+-]+\.so\.\d+):", DEV.read_text(encoding="utf-8"))
FILLER_BYTES = 1_000_000  # far more than a pipe buffer holds


def _script(path: Path, body: str) -> None:
    path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    path.chmod(0o755)


def fake_tools(tmp_path: Path, libs: list[str], fonts: bool = True, uid: int = 0, apt_rc: int = 0) -> Path:
    """A bin folder with fake tools; apt-get appends its arguments to ``apt-calls``."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    listing = "".join(f"\t{name} (libc6,x86-64) => /usr/lib/{name}\\n" for name in libs)
    filler = f'yes "\tlibfiller.so.0 (libc6,x86-64) => /usr/lib/libfiller.so.0" | head -c {FILLER_BYTES}'
    _script(bin_dir / "ldconfig", f'printf "{len(libs)} libs found\\n{listing}"\n{filler}\n')
    font_lines = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf: DejaVu Sans:style=Book\n" if fonts else ""
    _script(
        bin_dir / "fc-list",
        f"printf '{font_lines}'\n" + (filler if fonts else "") + "\n",
    )
    _script(bin_dir / "id", f'[ "$1" = "-u" ] && echo {uid} || /usr/bin/id "$@"\n')
    calls = tmp_path / "apt-calls"
    _script(bin_dir / "apt-get", f'echo "$@" >> "{calls}"\nexit {apt_rc}\n')
    return bin_dir


def run_dev(bin_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin"}
    return subprocess.run(
        ["bash", str(DEV), *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def apt_calls(tmp_path: Path) -> list[str]:
    calls = tmp_path / "apt-calls"
    return calls.read_text(encoding="utf-8").splitlines() if calls.exists() else []


@pytest.mark.slow
def test_nothing_missing_means_no_apt_get_even_when_the_listings_are_long(tmp_path: Path) -> None:
    bin_dir = fake_tools(tmp_path, LIBS)
    for _ in range(3):  # the old check failed 45 times in 50; three clean runs in a row
        result = run_dev(bin_dir, "deps")
        assert result.returncode == 0, result.stderr
        assert "install" not in result.stderr
    assert apt_calls(tmp_path) == []


@pytest.mark.slow
def test_a_missing_library_and_no_fonts_are_installed_as_root(tmp_path: Path) -> None:
    bin_dir = fake_tools(tmp_path, [lib for lib in LIBS if lib != "libxcb-cursor.so.0"], fonts=False)
    result = run_dev(bin_dir, "deps")
    assert result.returncode == 0, result.stderr
    installs = [call for call in apt_calls(tmp_path) if call.startswith("install")]
    assert len(installs) == 1
    assert installs[0].split()[-2:] == ["libxcb-cursor0", "fonts-dejavu-core"]


@pytest.mark.slow
def test_offline_install_failure_does_not_abort(tmp_path: Path) -> None:
    bin_dir = fake_tools(tmp_path, LIBS[1:], apt_rc=100)
    result = run_dev(bin_dir, "deps")
    assert result.returncode == 0
    assert "could not install libegl1" in result.stderr


@pytest.mark.slow
def test_without_root_it_names_the_packages_and_runs_nothing(tmp_path: Path) -> None:
    bin_dir = fake_tools(tmp_path, LIBS[:-1], uid=1000)
    result = run_dev(bin_dir, "deps")
    assert result.returncode == 0
    assert "please install these system packages: libxcb-xinerama0" in result.stderr
    assert apt_calls(tmp_path) == []


def fake_venv(tmp_path: Path, pip_rc: int) -> Path:
    """A venv whose python records each call; ``-m pip`` exits with ``pip_rc`` (100: offline)."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    calls = tmp_path / "python-calls"
    _script(
        venv / "bin" / "python",
        f'echo "$@" >> "{calls}"\nif [ "$1 $2" = "-m pip" ]; then exit {pip_rc}; fi\nexit 0\n',
    )
    return venv


@pytest.mark.slow
def test_dev_app_starts_offline_when_everything_is_installed(tmp_path: Path) -> None:
    """pyproject.toml changed since the last install and there is no network: the app still opens."""
    bin_dir = fake_tools(tmp_path, LIBS)
    venv = fake_venv(tmp_path, pip_rc=1)
    env = {**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin", "CLOZE_VENV": str(venv)}
    result = subprocess.run(
        ["bash", str(DEV), "app", "story.txt"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    calls = (tmp_path / "python-calls").read_text(encoding="utf-8").splitlines()
    assert calls[-1] == "-m cloze_app story.txt"  # the window was started
    assert "could not update the installation (offline?)" in result.stderr
    assert apt_calls(tmp_path) == []


@pytest.mark.slow
def test_dev_app_stops_when_nothing_is_installed_and_pip_fails(tmp_path: Path) -> None:
    bin_dir = fake_tools(tmp_path, LIBS)
    venv = fake_venv(tmp_path, pip_rc=1)
    (venv / "bin" / "python").write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")  # imports fail too
    env = {**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin", "CLOZE_VENV": str(venv)}
    result = subprocess.run(
        ["bash", str(DEV), "app"], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 1
    assert "installing Cloze into" in result.stderr
