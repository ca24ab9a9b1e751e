"""The wheel, as a user gets it: `make wheel`'s build is installed into a
fresh venv in a temporary directory outside the repository, and that venv's
`fastwasm serve` answers the tutorial's curl, lists the bundled components,
and serves the page, with nothing read from the source tree. The wheel
declares ranges, not pins: it installs with what a resolver picks, and
beside another FastAPI release than the one requirements.lock pins."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import venv
import zipfile
from pathlib import Path

import pytest

from servers import ROOT, free_port

# Slow: builds a wheel and installs it into a fresh venv.
pytestmark = pytest.mark.slow

MATURIN = Path(sys.executable).with_name("maturin")
#: A FastAPI release of the wheel's range other than requirements.lock's pin.
OTHER_FASTAPI = "0.164.0"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    assert ROOT not in dist.parents
    subprocess.run(
        [str(MATURIN), "build", "--release", "--locked", "--out", str(dist)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    (built,) = dist.glob("fastwasm-*.whl")
    return built


def test_the_wheel_declares_ranges_not_pins(wheel: Path) -> None:
    archive = zipfile.ZipFile(wheel)
    metadata = archive.read(next(n for n in archive.namelist() if n.endswith("METADATA")))
    requires = [line for line in metadata.decode().splitlines() if line.startswith("Requires-Dist:")]
    runtime = [line for line in requires if "extra ==" not in line]
    assert runtime, requires
    assert not [line for line in runtime if "==" in line], runtime
    # numpy is optional: `pip install 'fastwasm[numpy]'`, a range like the rest.
    numpy = [line for line in requires if line.startswith("Requires-Dist: numpy")]
    assert len(numpy) == 1, requires
    assert ">=1.26" in numpy[0], numpy
    assert "extra == 'numpy'" in numpy[0], numpy
    locked = (ROOT / "requirements.lock").read_text()
    assert "\nfastapi==" in locked
    assert f"fastapi=={OTHER_FASTAPI}" not in locked


@pytest.mark.parametrize("beside", [None, f"fastapi=={OTHER_FASTAPI}"])
def test_the_wheel_installs_into_a_fresh_venv_and_serves(wheel: Path, beside: str | None, tmp_path: Path) -> None:
    assert ROOT not in tmp_path.parents
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "fastwasm/guest/fibonacci_wasm.wasm",
        "fastwasm/components/fib.wasm",
        "fastwasm/components/image.wasm",
        "fastwasm/components/echo.wasm",
        "fastwasm/api/static/index.html",
        "fastwasm/_native.pyi",
        "fastwasm/py.typed",
    ):
        assert expected in names, expected
    assert any(n.startswith("fastwasm/_native.") and n.endswith(".so") for n in names)

    home = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(home)
    # Only the wheel and its declared dependencies; no PYTHONPATH, no checkout.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    subprocess.run(
        [str(home / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel), *([beside] if beside else [])],
        check=True,
        env=env,
        capture_output=True,
    )
    if beside is not None:
        version = subprocess.run(
            [str(home / "bin" / "python"), "-c", "import fastapi; print(fastapi.__version__)"],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        ).stdout.strip()
        assert f"fastapi=={version}" == beside
    port = free_port()
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    server = subprocess.Popen(
        [str(home / "bin" / "fastwasm"), "serve", "--port", str(port), "--log-level", "warning"],
        cwd=workdir,
        env={**env, "HOME": str(tmp_path)},
    )
    try:

        def curl(path: str) -> str:
            run = subprocess.run(
                ["curl", "-sS", "--max-time", "30", f"localhost:{port}{path}"], capture_output=True, text=True
            )
            assert run.returncode == 0, run.stderr
            return run.stdout

        deadline = time.monotonic() + 60
        while subprocess.run(["curl", "-sf", f"localhost:{port}/health"], capture_output=True).returncode != 0:
            assert server.poll() is None, "fastwasm serve exited"
            assert time.monotonic() < deadline, "fastwasm serve did not come up"
            time.sleep(0.2)
        # The tutorial's own command.
        assert '"fibonacci":63245986' in curl("/fibonacci-wasm/39")
        assert '"name":"fib"' in curl("/kernels")
        assert "<title>" in curl("/")
        # The installed package is the one serving: not the checkout's.
        where = subprocess.run(
            [str(home / "bin" / "python"), "-c", "import fastwasm; print(fastwasm.__file__)"],
            capture_output=True,
            text=True,
            env=env,
            cwd=workdir,
            check=True,
        ).stdout
        assert Path(where.strip()).is_relative_to(home)
    finally:
        server.terminate()
        server.wait(timeout=30)
