"""Benchmark: parsing pharma GS1 payloads (raw with GS, bracketed, Digital Link) against biip.

Prints codes/s for ``epcis.gs1.parse`` and for biip's parsers on the same inputs, the ratio, and
inputs that biip accepts but the GS1 association rules reject.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from epcis.gs1 import Gs1Error, check_digit, element_string, parse
from epcis.gs1.elementstring import Form

ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
FORMS: tuple[Form, ...] = ("raw", "bracketed", "digital_link")


def payloads(count: int, seed: int = 7) -> list[str]:
    """``count`` distinct pharma payloads (01)(17)[(11)][(71x)](10)(21), cycling over the forms."""
    rng = random.Random(seed)
    texts = []
    for index in range(count):
        body = "0" + "".join(rng.choice("0123456789") for _ in range(12))
        fields = {"01": body + str(check_digit(body))}
        fields["17"] = f"{rng.randint(26, 35):02d}{rng.randint(1, 12):02d}{rng.choice(['00', '15', '28'])}"
        if rng.random() < 0.3:
            fields["11"] = f"{rng.randint(20, 25):02d}{rng.randint(1, 12):02d}01"
        if rng.random() < 0.2:
            fields[rng.choice(["710", "711", "712", "714", "715"])] = "".join(rng.choices("0123456789", k=8))
        fields["10"] = "".join(rng.choices(ALPHABET, k=rng.randint(4, 10)))
        fields["21"] = "".join(rng.choices(ALPHABET, k=12))
        texts.append(element_string(fields, FORMS[index % 3]))
    return texts


def biip_parser() -> Callable[[str], object] | None:
    """biip's direct parser for each form, or ``None`` when biip is not installed."""
    try:
        from biip.gs1_digital_link_uris import GS1DigitalLinkURI
        from biip.gs1_messages import GS1Message
    except ImportError:
        return None

    def parse_biip(text: str) -> object:
        if text[0] == "(":
            return GS1Message.parse_hri(text)
        if text[0] == "h":
            return GS1DigitalLinkURI.parse(text)
        return GS1Message.parse(text)

    return parse_biip


def rate(function: Callable[[str], object], inputs: list[str]) -> float:
    """Codes per second for ``function`` over ``inputs`` (one pass)."""
    start = time.perf_counter()
    for text in inputs:
        function(text)
    return len(inputs) / (time.perf_counter() - start)


STRICTER = [
    "(21)XYZ98765",
    "(01)09506000134352(02)09506000134352",
    "(01)09506000134352(21)A(21)B",
    "(01)09506000134352(10)",
    "https://id.gs1.org/01/09506000134352?10=ABC123",
    "https://id.gs1.org/01/9506000134352",
]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; ``--quick`` parses 3,000 codes instead of 100,000."""
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--quick", action="store_true", help="small smoke run")
    args = options.parse_args(argv)
    inputs = payloads(3_000 if args.quick else 100_000)
    parse(inputs[0])  # load and compile the dictionary outside the timing
    ours = rate(parse, inputs)
    print(f"inputs: {len(inputs):,} (raw with GS, bracketed and Digital Link, in equal parts)")
    print(f"epcis.gs1.parse : {ours:12,.0f} codes/s")
    biip = biip_parser()
    if biip is None:
        print("biip            : not installed, no baseline")
        return 0
    theirs = rate(biip, inputs)
    print(f"biip            : {theirs:12,.0f} codes/s")
    print(f"ratio ours/biip : {ours / theirs:12.2f}x")
    print("per form           ours/s      biip/s   ratio")
    for index, form in enumerate(FORMS):
        subset = inputs[index :: len(FORMS)]
        mine, base = rate(parse, subset), rate(biip, subset)
        print(f"  {form:<12} {mine:11,.0f} {base:11,.0f} {mine / base:6.2f}x")
    print("rejected here, accepted by biip:")
    for text in STRICTER:
        try:
            biip(text)
        except Exception:  # biip's ParseError is not a ValueError; any rejection counts
            continue
        try:
            parse(text)
            verdict = "accepted"
        except Gs1Error as error:
            verdict = str(error)
        print(f"  {text!r}\n    ours: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
