"""The Ray tests start a real cluster: `make test-ray` runs them (after
installing the `ray` extra), with FASTWASM_TEST_RAY=1; a plain pytest run
leaves them out."""

from __future__ import annotations

import os

collect_ignore = [] if os.environ.get("FASTWASM_TEST_RAY") == "1" else ["test_ray.py"]
