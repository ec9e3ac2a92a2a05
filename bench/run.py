"""Run every benchmark under bench/ (`make bench`; `--quick` for a smoke run) and print their figures."""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(HERE.parent))
    sys.path.insert(0, str(HERE))
    only = [a for a in argv if not a.startswith("-")]
    flags = [a for a in argv if a.startswith("-")]
    failures = 0
    for path in sorted(HERE.glob("bench_*.py")):
        if only and not any(name in path.stem for name in only):
            continue
        print(f"\n=== {path.stem} ===", flush=True)
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        started = time.perf_counter()
        try:
            spec.loader.exec_module(module)
            code = module.main(flags)
        except Exception as exc:  # one broken bench must not hide the others' figures
            print(f"{path.stem} failed: {exc!r}", flush=True)
            code = 1
        failures += bool(code)
        print(f"--- {path.stem} done in {time.perf_counter() - started:.1f} s", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
