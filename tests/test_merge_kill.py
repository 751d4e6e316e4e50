"""Killing a merge at any moment never leaves a corrupt master (SIGKILL, many times)."""
from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time

import pytest

import cip_xl

from .conftest import REPO
from .returns_helpers import edit_return

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")


def _start_merge(plan, returns):
    return subprocess.Popen([sys.executable, "-m", "cip_xl", "merge", str(plan),
                             *map(str, returns)], cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


@pytest.mark.slow
def test_sigkill_at_random_points_never_corrupts_the_master(tmp_path):
    from cip_xl.synthetic import synthetic_plan

    original = tmp_path / "original.xlsx"
    cip_xl.save_plan(synthetic_plan(400, directorates=6, seed=11), original)
    issued = cip_xl.api.issue_returns(original, tmp_path / "returns")
    for item in issued:
        plan = cip_xl.load_plan(original)
        refs = [a.ref for a in plan.actions if a.directorate == item.department][:3]
        edit_return(item.path, {(ref, "Progress update"): f"Killed-merge test {ref}"
                                for ref in refs})
    returns = [item.path for item in issued]
    start_bytes = original.read_bytes()

    # the reference outcome, and how long a merge takes here
    reference = tmp_path / "reference" / "plan.xlsx"
    reference.parent.mkdir()
    shutil.copy(original, reference)
    began = time.monotonic()
    assert _start_merge(reference, returns).wait(timeout=300) in (0, 1)
    duration = time.monotonic() - began
    expected = cip_xl.load_plan(reference).actions

    rng = random.Random(20261122)
    outcomes = {"untouched": 0, "merged": 0}
    for attempt in range(12):
        work = tmp_path / f"run{attempt}"
        work.mkdir()
        plan = work / "plan.xlsx"
        shutil.copy(original, plan)
        process = _start_merge(plan, returns)
        time.sleep(rng.uniform(0.05, duration * 1.1))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        # whatever moment it died, the master is the old file or the finished new one
        if plan.read_bytes() == start_bytes:
            outcomes["untouched"] += 1
        else:
            assert cip_xl.load_plan(plan).actions == expected
            outcomes["merged"] += 1
        # and the next merge (taking over the dead process's lock) completes the job
        assert _start_merge(plan, returns).wait(timeout=300) in (0, 1)
        assert cip_xl.load_plan(plan).actions == expected
        assert not list(work.glob(".plan.xlsx.lock*"))  # nor what taking it left
    assert sum(outcomes.values()) == 12
