"""``python -m benchmarks.loadfault``: the same as ``benchmarks/load_fault.py``."""

from benchmarks.loadfault.cli import main

raise SystemExit(main())
