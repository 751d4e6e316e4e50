"""Shared fixtures: plans are built by code, never checked-in binaries."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs the same examples every time (a red build must be reproducible); locally,
# each run explores new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture
def example_path(tmp_path: Path) -> Path:
    """A fresh copy of the example plan, written by the code under test."""
    from cip_xl.example import example_plan
    from cip_xl.plan_write import save_plan

    path = tmp_path / "plan.xlsx"
    save_plan(example_plan(), path)
    return path


def run_cli(*args: str, cwd: Path | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m cip_xl ARGS`` as a user would, capturing its output; ``env``:
    variables to set for it (a login name, say)."""
    env = {**os.environ, **(env or {})}
    env.pop("CIP_XL_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "cip_xl", *args], capture_output=True,
                          text=True, cwd=cwd or REPO, env=env, timeout=300)


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_with_libreoffice(source: Path, target_format: str, outdir: Path,
                             timeout: int = 240, infilter: str | None = None) -> Path:
    """Convert with LibreOffice headless in a private profile; return the output file.
    ``infilter``: how to read ``source``, as LibreOffice's import dialog would be told
    ("CSV:44,34,76": commas, quotes, UTF-8)."""
    binary = soffice()
    if binary is None:
        pytest.skip("LibreOffice (soffice) is not installed; .ci/run installs it")
    profile = outdir / "lo-profile"
    profile.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, HOME=str(outdir))
    reading = [f"--infilter={infilter}"] if infilter else []
    subprocess.run([binary, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    *reading, "--convert-to", target_format, "--outdir", str(outdir),
                    str(source)], check=True, capture_output=True, timeout=timeout, env=env)
    out = outdir / f"{source.stem}.{target_format.split(':')[0]}"
    assert out.exists(), f"LibreOffice produced no {out.name}"
    return out


def refs_not_formatted(source: Path, target: Path) -> None:
    """Save the plan at ``source`` to ``target`` as cip-xl saved it before Refs were
    formatted as Text: Ref cells and column in the General format."""
    import openpyxl

    wb = openpyxl.load_workbook(source)
    ws = wb["Plan"]
    for row in range(2, ws.max_row + 1):
        ws.cell(row, 1).number_format = "General"
    ws.column_dimensions["A"].number_format = "General"
    wb.save(target)
