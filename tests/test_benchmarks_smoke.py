"""The benchmark scripts run (tiny sizes) so they cannot rot; no timing is asserted."""
from __future__ import annotations

import subprocess
import sys

from .conftest import REPO


def test_benchmarks_run_in_smoke_mode():
    result = subprocess.run([sys.executable, str(REPO / "benchmarks" / "run.py"), "--smoke"],
                            capture_output=True, text=True, timeout=600, cwd=REPO)
    assert result.returncode == 0, result.stderr
    for workload in ("W1 validate+status", "W2 merge", "W3 Word report", "W4 issue returns",
                     "W5 approve a new action", "W1 with", "W2 with", "CLI start-up"):
        assert workload in result.stdout
