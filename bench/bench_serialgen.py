"""Benchmark of keyed-permutation serials against bulk `os.urandom` random serials.

Prints, per scheme, the time to produce N serials as a uint8 array and as a list of str, beside
the fastest secure random baseline (one `os.urandom` buffer mapped to the alphabet by vectorised
rejection sampling), and the ratio. Target: ours no slower than 2x the baseline. Also times
`decode_many` (the inverse) against a dict lookup of the same serials.

Usage: python bench/bench_serialgen.py [--quick] [--count N] [--repeat R]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.serialgen import KeyedPermutation, SerialScheme

T = TypeVar("T")
SCHEMES = [("alphanumeric", 12), ("numeric", 20)]
TARGET_RATIO = 2.0


def random_serials(alphabet: str, length: int, count: int) -> NDArray[np.uint8]:
    """Baseline: count random serials as ASCII codes, from one os.urandom buffer, without modulo bias."""
    radix = len(alphabet)
    limit = 256 - 256 % radix  # bytes at or above this would favour the first characters
    need = count * length
    accepted = np.empty(0, dtype=np.uint8)
    while accepted.size < need:
        missing = need - accepted.size
        raw = np.frombuffer(os.urandom(missing * 256 // limit + missing // 16 + 64), dtype=np.uint8)
        accepted = np.concatenate([accepted, raw[raw < limit]])
    symbols = np.frombuffer(alphabet.encode("ascii"), dtype=np.uint8)
    return symbols[accepted[:need] % radix].reshape(count, length)


def to_strings(chars: NDArray[np.uint8]) -> list[str]:
    """The str conversion both sides share: one decode, then fixed-width slices."""
    length = chars.shape[1]
    text = chars.tobytes().decode("ascii")
    return [text[offset : offset + length] for offset in range(0, len(text), length)]


def best_of(repeat: int, work: Callable[[], T]) -> tuple[float, T]:
    """Shortest wall time of `repeat` runs, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        began = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - began)
    assert result is not None
    return best, result


def report(label: str, ours: float, baseline: float, count: int) -> bool:
    ratio = ours / baseline
    met = ratio <= TARGET_RATIO
    print(
        f"  {label:<28} ours {ours:7.3f} s ({count / ours / 1e6:5.2f} M/s)   baseline {baseline:7.3f} s"
        f" ({count / baseline / 1e6:5.2f} M/s)   ours/baseline time {ratio:4.2f}"
        f"   {'ok' if met else 'SLOWER THAN TARGET'}"
    )
    return met


def bench_scheme(perm: KeyedPermutation, count: int, repeat: int, decode_count: int) -> bool:
    """Print the figures of one scheme; True when its targets are met."""
    alphabet, length = perm.scheme.alphabet, perm.scheme.length
    ours_array, chars = best_of(repeat, lambda: perm.encode_range(0, count))
    base_array, _ = best_of(repeat, lambda: random_serials(alphabet, length, count))
    met = report("uint8 array", ours_array, base_array, count)
    ours_list, serials = best_of(repeat, lambda: perm.serials(0, count))
    base_list, _ = best_of(repeat, lambda: to_strings(random_serials(alphabet, length, count)))
    met &= report("list of str", ours_list, base_list, count)
    # The timed work must be the right work: same serials both ways, all distinct, all invertible.
    assert to_strings(chars[:1000]) == serials[:1000]
    assert len(set(serials)) == count
    sample = serials[:decode_count]
    ours_decode, counters = best_of(repeat, lambda: perm.decode_many(sample))
    assert counters.tolist() == list(range(decode_count))
    index = {serial: n for n, serial in enumerate(sample)}
    base_decode, _ = best_of(repeat, lambda: [index.get(serial, -1) for serial in sample])
    print(
        f"  {'decode_many ' + str(decode_count):<28} ours {ours_decode:7.3f} s"
        f" ({decode_count / ours_decode / 1e6:5.2f} M/s)   baseline dict lookup {base_decode:7.3f} s"
        f"   ours/baseline time {ours_decode / base_decode:4.2f}   (no target: a dict of every serial)"
    )
    return met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--count", type=int, default=None, help="serials per scheme (default 1,000,000)")
    parser.add_argument("--repeat", type=int, default=None, help="runs per figure; the best counts")
    args = parser.parse_args(argv)
    count = args.count or (20_000 if args.quick else 1_000_000)
    repeat = args.repeat or (1 if args.quick else 3)
    decode_count = min(count, 5_000 if args.quick else 100_000)
    key, tweak = os.urandom(32), b"09506000134352"
    print(f"serialgen: {count} serials per scheme, best of {repeat}; target ours/baseline <= {TARGET_RATIO}")
    all_met = True
    for alphabet_name, length in SCHEMES:
        scheme = SerialScheme(alphabet_name, length)
        print(f"{alphabet_name} length {length}:")
        all_met &= bench_scheme(KeyedPermutation(key, tweak, scheme), count, repeat, decode_count)
    print("all targets met" if all_met else "some targets missed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
