"""ElementString: a validated, ordered, immutable AI -> value mapping (one GS1 message)."""

from __future__ import annotations

from collections.abc import ItemsView, Iterable, Iterator, KeysView, Mapping, Sequence, ValuesView
from typing import Any

from epcis.gs1.errors import Gs1AssociationError
from epcis.gs1.validate import CompiledAi, check_associations, compiled


class ElementString(Mapping[str, str]):
    """The AIs of one GS1 message in their given order, each AI once.

    Constructing one validates every value and the AI associations; ``parse`` builds them from
    text. Equality ignores order (a reordered raw element string is the same message).
    """

    __slots__ = ("_data",)
    _data: dict[str, str]

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        pairs = list(items.items() if isinstance(items, Mapping) else items)
        built = build([(compiled(ai, value), value) for ai, value in pairs], check=True)
        object.__setattr__(self, "_data", built._data)

    @classmethod
    def _trusted(cls, data: dict[str, str]) -> ElementString:
        instance = object.__new__(cls)
        object.__setattr__(instance, "_data", data)
        return instance

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("ElementString is immutable")

    def __getitem__(self, ai: str) -> str:
        return self._data[ai]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, ai: object) -> bool:
        return ai in self._data

    def get(self, ai: str, default: Any = None) -> Any:
        """The value of ``ai``, or ``default``."""
        return self._data.get(ai, default)

    def keys(self) -> KeysView[str]:
        """The AIs in order."""
        return self._data.keys()

    def items(self) -> ItemsView[str, str]:
        """(AI, value) pairs in order."""
        return self._data.items()

    def values(self) -> ValuesView[str]:
        """The values in order."""
        return self._data.values()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ElementString):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other.items())
        return NotImplemented

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __repr__(self) -> str:
        return f"ElementString({self._data!r})"

    def __str__(self) -> str:
        return "".join(f"({ai}){value}" for ai, value in self._data.items())


def build(pairs: Sequence[tuple[CompiledAi, str]], *, check: bool = False) -> ElementString:
    """Make an ElementString from (AI, value) pairs: values are checked when ``check`` is set
    (parsers check them while splitting), then repeats and the AI associations."""
    data: dict[str, str] = {}
    unique: list[tuple[CompiledAi, str]] = []
    for comp, value in pairs:
        if check:
            comp.check(value)
        ai = comp.entry.ai
        earlier = data.get(ai)
        if earlier is None:
            data[ai] = value
            unique.append((comp, value))
        elif earlier != value:
            raise Gs1AssociationError(
                f"repeats ({ai}) with a different value {earlier}", rule="duplicate", ai=ai, value=value
            )
    check_associations(unique)
    return ElementString._trusted(data)
