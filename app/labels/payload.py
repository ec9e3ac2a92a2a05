"""GS1 payload checks before anything is drawn: validation through ``epcis.gs1`` and the encoder inputs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from app.labels.errors import LabelError
from epcis.gs1 import ElementString, Gs1Error, element_string, lookup


@dataclass(frozen=True, slots=True)
class Gs1Payload:
    """A validated GS1 message and the forms the encoders need.

    ``raw`` is the element string a scanner transmits after ``]d2``/``]C1`` (predefined-length AIs
    first, GS only after a variable-length AI that is not last). ``pairs`` is the same message in
    the same order, for encoders that take AI/value pairs (zint's ``[AI]value`` input).
    """

    message: ElementString
    raw: str
    pairs: tuple[tuple[str, str], ...]

    @property
    def zint_input(self) -> str:
        """zint's GS1 input syntax; ``[`` is outside every GS1 character set, so no escaping exists."""
        return "".join(f"[{ai}]{value}" for ai, value in self.pairs)

    @property
    def hri(self) -> str:
        """Human-readable interpretation in encoded order: ``(01) 0950... (17) 270131 ...``."""
        return " ".join(f"({ai}) {value}" for ai, value in self.pairs)


def validated(mapping: Mapping[str, str]) -> ElementString:
    """Check ``mapping`` against the GS1 syntax dictionary; a failure is a ``LabelError`` naming the AI."""
    if isinstance(mapping, ElementString):
        return mapping
    try:
        return ElementString(mapping)
    except Gs1Error as exc:
        raise LabelError(f"invalid GS1 data: {exc}", field=exc.ai) from exc


def gs1_payload(mapping: Mapping[str, str]) -> Gs1Payload:
    """Validate ``mapping`` and derive the raw element string and the encoding order."""
    message = validated(mapping)
    if not message:
        raise LabelError("invalid GS1 data: no AIs given", field=None)
    return Gs1Payload(message=message, raw=element_string(message, form="raw"), pairs=encoding_order(message.items()))


def raw_of(pairs: Iterable[tuple[str, str]]) -> str:
    """The raw element string of pairs already in encoding order: GS after a variable-length AI not last."""
    items = list(pairs)
    return "".join(
        ai + value + ("" if _predefined(ai) or i == len(items) - 1 else GS) for i, (ai, value) in enumerate(items)
    )


GS = "\x1d"


def encoding_order(items: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """The order of ``epcis.gs1``'s raw form (predefined-length AIs first, a stable sort), so a symbol
    encoded pair by pair carries exactly the raw element string."""
    return tuple(sorted(items, key=lambda item: not _predefined(item[0])))


def _predefined(ai: str) -> bool:
    entry = lookup(ai)
    return bool(entry and entry.predefined_length)
