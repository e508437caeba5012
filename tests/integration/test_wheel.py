"""The wheel is what users install: built from the tracked sources, installed in a fresh
virtual environment, it runs the demo and writes the verify page (the example documents and
the page's static files ship inside it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_installs_in_a_fresh_environment_and_runs_the_demo(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "ledger", source / "ledger",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "--wheel-dir", str(dist), str(source)],
                   check=True, capture_output=True, timeout=300)
    wheel = next(dist.glob("carbon_ledger-*.whl"))

    fresh = tmp_path / "venv"
    venv.create(fresh, with_pip=True)
    python = fresh / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    str(wheel)], check=True, capture_output=True, timeout=300)
    # The dependencies come from this environment (no network), the ledger from the wheel.
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path("
                           "'purelib'))"], check=True, capture_output=True, text=True).stdout
    Path(site.strip(), "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")

    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEDGER_", "PYTHON"))}
    where = subprocess.run([str(python), "-c", "import ledger; print(ledger.__file__)"],
                           check=True, capture_output=True, text=True, env=env, cwd=tmp_path)
    assert where.stdout.startswith(site.strip()), where.stdout
    demo = subprocess.run([str(fresh / "bin" / "ledger"), "demo"], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=300, check=False)
    assert demo.returncode == 0, demo.stderr
    assert "verified offline: 2500 credits of ART:ART102-2021-11" in demo.stdout
    assert "audit clean" in demo.stdout
    page = subprocess.run([str(fresh / "bin" / "ledger"), "verify-page"], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=120, check=False)
    assert page.returncode == 0, page.stderr  # the page's static files ship in the wheel
    assert "const ledgerVerify" in page.stdout
