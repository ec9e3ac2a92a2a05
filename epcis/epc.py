"""EPC URN and GS1 Digital Link canonicalisation: the canonical Digital Link form used by the event hash.

Converts EPC pure-identity URNs, EPC class URNs, EPC id-pattern URNs and GS1 Digital Link URIs into one
constrained canonical GS1 Digital Link URI (``https://id.gs1.org/...``: lowest identification level,
no CPV, no query string), following the rules of the CBV 2.0 event hash (section 8.9).
"""

from __future__ import annotations

import re
from functools import lru_cache

_X = (
    r"(?:%2[125-9A-Fa-f]|%3[0-9A-Fa-f]|%4[1-9A-Fa-f]|%5[0-9AaFf]|%6[1-9A-Fa-f]|%7[0-9Aa]"
    r"|[!')(*+,.0-9:;=A-Za-z_-])"
)
_CPI = r"(?:%2[3dfDF]|%3[0-9]|%4[1-9A-Fa-f]|%5[0-9Aa]|[0-9A-Z-])"
_URN = re.compile(r"urn:epc:(id|class|idpat):([a-z]+):(\d{6,12})\.(.*)\Z", re.S)
_DIGITS = re.compile(r"\d*\Z")
_SERIAL = {n: re.compile(rf"{_X}{{1,{n}}}\Z") for n in (16, 20, 28, 30)}
_CPI_REF = re.compile(rf"({_CPI}{{1,24}})\.(\d{{1,12}}|\*)\Z")
_ITIP = re.compile(rf"(\d+)\.(\d{{2}})\.(\d{{2}})\.({_X}{{1,20}}|\*)\Z")
_DL = re.compile(
    r"https?:(//(([^/?#]*)@)?([^/?#:]*)(:([^/?#]*))?)?(([^?#]*)(/(01|gtin|8006|itip|8010|cpid|414|gln|417|party"
    r"|8017|gsrnp|8018|gsrn|255|gcn|00|sscc|253|gdti|401|ginc|402|gsin|8003|grai|8004|giai)/)(\d{4}[^/]+)"
    r"(/[^/]+/[^/]+)?/?(\?([^?\n]*))?(#([^\n]*))?|(/[A-Za-z_-]{10}\Z))"
)
_CANONICAL_HOST = re.compile(
    r"https://id.gs1.org/(01|8006|8010|414|417|8017|8018|255|00|253|401|402|8003|8004)/(\d{4}[^/]+)"
)
_SHORT_NAMES = (
    ("/gtin/", "/01/"),
    ("/itip/", "/8006/"),
    ("/cpid/", "/8010/"),
    ("/gln/", "/414/"),
    ("/party/", "/417/"),
    ("/gsrnp/", "/8017/"),
    ("/gsrn/", "/8018/"),
    ("/gcn/", "/255/"),
    ("/sscc/", "/00/"),
    ("/gdti/", "/253/"),
    ("/ginc/", "/401/"),
    ("/gsin/", "/402/"),
    ("/grai/", "/8003/"),
    ("/giai/", "/8004/"),
    ("/cpv/", "/22/"),
    ("/lot/", "/10/"),
    ("/ser/", "/21/"),
)
_KEY_ORDER = (
    "00",
    "01",
    "253",
    "255",
    "401",
    "402",
    "414",
    "417",
    "8003",
    "8004",
    "8006",
    "8010",
    "8017",
    "8018",
)
_C = r"[\x22\x27\x2D\x2E\x30-\x39\x3B-\x3F\x41-\x5A\x5F\x61-\x7A]"
_GTIN_LEN = (
    (re.compile(r"https://id.gs1.org/01/\d{13}"), "0"),
    (re.compile(r"https://id.gs1.org/01/\d{12}"), "00"),
    (re.compile(r"https://id.gs1.org/01/\d{8}"), "000000"),
)
_GTIN14 = re.compile(r"https://id.gs1.org/01/\d{14}")
_CPV_LAST = re.compile(rf"https://id.gs1.org/(8006/\d{{18}}|01/\d{{14}})/22/{_C}{{0,20}}\Z")
_CPV_MID = re.compile(
    r"https://id.gs1.org/(8006/\d{18}|01/\d{14})/22/[\x2F\x22\x27\x2D\x2E\x30-\x39\x3B-\x3F\x41-\x5A\x5F\x61-\x7A]{0,20}\Z"
)
_LOT_AND_SERIAL = re.compile(rf"https://id.gs1.org/(8006/\d{{18}}|01/\d{{14}})/10/{_C}{{0,20}}/21/{_C}{{0,20}}\Z")
_VALID = re.compile(
    "https://id.gs1.org/(?:"
    + "|".join(
        (
            r"00/\d{18}",
            rf"01/\d{{14}}/21/{_C}{{0,20}}",
            rf"01/\d{{14}}/10/{_C}{{0,20}}",
            r"01/\d{14}",
            rf"01/\d{{14}}/235/{_C}{{0,28}}",
            rf"253/\d{{13}}{_C}{{0,17}}",
            r"255/\d{13}\d{0,12}",
            rf"401/{_C}{{0,30}}",
            r"402/\d{17}",
            r"414/\d{13}",
            rf"414/\d{{13}}/254/{_C}{{0,20}}",
            r"417/\d{13}",
            rf"8003/\d{{14}}{_C}{{0,16}}",
            rf"8004/{_C}{{0,30}}",
            rf"8006/\d{{18}}/21/{_C}{{0,20}}",
            rf"8006/\d{{18}}/10/{_C}{{0,20}}",
            r"8006/\d{18}",
            r"8010/[\x23\x2D\x2F\x30-\x39\x41-\x5A]{0,30}/8011/\d{0,12}",
            r"8010/[\x23\x2D\x2F\x30-\x39\x41-\x5A]{0,30}",
            r"8017/\d{18}",
            r"8018/\d{18}",
        )
    )
    + r")\Z"
)
_ENCODE = str.maketrans({"!": "%21", "(": "%28", ")": "%29", "*": "%2A", "+": "%2B", ",": "%2C", ":": "%3A"})
_DL_BASE = "https://id.gs1.org/"


def check_digit(digits: str) -> str:
    """GS1 mod-10 check digit for a key without its check digit."""
    data = digits.encode("ascii")
    odd, even = data[-1::-2], data[-2::-2]
    # Sum the ASCII codes in C, then remove the "0" offset (48) of every digit.
    total = 3 * (sum(odd) - 48 * len(odd)) + sum(even) - 48 * len(even)
    return str(-total % 10)


def _with_cd(digits: str) -> str:
    return digits + check_digit(digits)


def _split(cp: str, rest: str, total: int) -> tuple[str, str] | None:
    """Split ``rest`` into the reference part completing ``cp`` to ``total`` digits and what follows."""
    size = total - len(cp)
    ref, dot, tail = rest[:size], rest[size : size + 1], rest[size + 1 :]
    if len(ref) != size or not _DIGITS.match(ref) or dot not in (".", ""):
        return None
    return ref, (tail if dot else "")


def _urn_to_dl(scheme: str, kind: str, cp: str, rest: str) -> str | None:
    if scheme == "id":
        if kind in ("sgtin", "upui"):
            part = _split(cp, rest, 13)
            limit = 20 if kind == "sgtin" else 28
            if part is None or rest[13 - len(cp) : 14 - len(cp)] != "." or not _SERIAL[limit].match(part[1]):
                return None
            ref, serial = part
            ai = "/21/" if kind == "sgtin" else "/235/"
            return f"{_DL_BASE}01/{_with_cd(ref[:1] + cp + ref[1:])}{ai}{serial.translate(_ENCODE)}"
        if kind == "sscc":
            if len(cp) + len(rest) != 17 or not rest.isdigit():
                return None
            return f"{_DL_BASE}00/{_with_cd(rest[:1] + cp + rest[1:])}"
        if kind in ("sgln", "pgln", "grai", "gdti", "sgcn"):
            part = _split(cp, rest, 12)
            if part is None:
                return None
            ref, tail = part
            key = _with_cd(cp + ref)
            if kind == "pgln":
                return f"{_DL_BASE}417/{key}" if len(rest) == 12 - len(cp) else None
            if kind == "sgln":
                if not _SERIAL[20].match(tail):
                    return None
                return f"{_DL_BASE}414/{key}" + ("" if tail == "0" else f"/254/{tail.translate(_ENCODE)}")
            if kind == "grai":
                ok = _SERIAL[16].match(tail)
                return f"{_DL_BASE}8003/0{_with_cd(cp + ref)}{tail.translate(_ENCODE)}" if ok else None
            if kind == "gdti":
                ok = _SERIAL[20].match(tail)
                return f"{_DL_BASE}253/{key}{tail.translate(_ENCODE)}" if ok else None
            return f"{_DL_BASE}255/{key}{tail}" if re.fullmatch(r"\d{1,12}", tail) else None
        if kind in ("giai", "ginc"):
            if not _SERIAL[30].match(rest) or len(cp) + len(re.findall(_X, rest)) > 30:
                return None
            return f"{_DL_BASE}{'8004' if kind == 'giai' else '401'}/{cp}{rest.translate(_ENCODE)}"
        if kind in ("gsrn", "gsrnp", "gsin"):
            total = 16 if kind == "gsin" else 17
            if len(cp) + len(rest) != total or not rest.isdigit():
                return None
            ai = {"gsrn": "8018", "gsrnp": "8017", "gsin": "402"}[kind]
            return f"{_DL_BASE}{ai}/{_with_cd(cp + rest)}"
        if kind == "cpi":
            m = _CPI_REF.match(rest)
            if m is None or m.group(2) == "*":
                return None
            return f"{_DL_BASE}8010/{(cp + m.group(1)).translate(_ENCODE)}/8011/{m.group(2)}"
        if kind == "itip":
            m = _ITIP.match(rest)
            if m is None or m.group(4) == "*" or len(cp) + len(m.group(1)) != 13:
                return None
            ref = m.group(1)
            gtin = _with_cd(ref[:1] + cp + ref[1:])
            return f"{_DL_BASE}8006/{gtin}{m.group(2)}{m.group(3)}/21/{m.group(4).translate(_ENCODE)}"
        return None
    if scheme == "class" and kind == "lgtin":
        part = _split(cp, rest, 13)
        if part is None or not _SERIAL[20].match(part[1]):
            return None
        ref, lot = part
        return f"{_DL_BASE}01/{_with_cd(ref[:1] + cp + ref[1:])}/10/{lot.translate(_ENCODE)}"
    if scheme == "idpat":
        if kind in ("sgtin", "upui"):
            part = _split(cp, rest, 13)
            if part is None or part[1] != "*":
                return None
            return f"{_DL_BASE}01/{_with_cd(part[0][:1] + cp + part[0][1:])}"
        if kind in ("grai", "gdti", "sgcn"):
            part = _split(cp, rest, 12)
            if part is None or part[1] != "*":
                return None
            ai = {"grai": "8003", "gdti": "253", "sgcn": "255"}[kind]
            key = _with_cd(("0" if kind == "grai" else "") + cp + part[0])
            return f"{_DL_BASE}{ai}/{key}"
        if kind == "cpi":
            m = _CPI_REF.match(rest)
            return f"{_DL_BASE}8010/{(cp + m.group(1)).translate(_ENCODE)}" if m and m.group(2) == "*" else None
        if kind == "itip":
            m = _ITIP.match(rest)
            if m is None or m.group(4) != "*" or len(cp) + len(m.group(1)) != 13:
                return None
            ref = m.group(1)
            return f"{_DL_BASE}8006/{_with_cd(ref[:1] + cp + ref[1:])}{m.group(2)}{m.group(3)}"
    return None


# Already canonical: a GTIN-14 with an alphanumeric serial, or an SSCC, on id.gs1.org (the form bulk
# documents carry). None of the rewrites below changes such a URI, so only the validity check remains.
CANONICAL_PLAIN = re.compile(r"https://id\.gs1\.org/(?:01/\d{14}/21/[A-Za-z0-9]{1,20}|00/\d{18})\Z")


def _dl_to_canonical(uri: str) -> str | None:
    if CANONICAL_PLAIN.match(uri) is not None:
        return uri if _VALID.match(uri) else None
    if _DL.match(uri) is None:
        return None
    uri = uri.partition("?")[0]
    for short, ai in _SHORT_NAMES:
        uri = uri.replace(short, ai)
    if _CANONICAL_HOST.match(uri) is None:
        for key in _KEY_ORDER:
            at = uri.find(f"/{key}/")
            if at != -1:
                uri = "https://id.gs1.org" + uri[at:]
                break
    if _GTIN14.match(uri) is None:
        for pattern, pad in _GTIN_LEN:
            if pattern.match(uri):
                uri = uri.replace("/01/", "/01/" + pad)
                break
    if _CPV_LAST.match(uri):
        uri = uri[: uri.find("/22/")]
    elif _CPV_MID.match(uri):
        tail = uri[uri.find("/22/") + 4 :]
        uri = uri[: uri.find("/22/")] + tail[tail.find("/") :]
    if _LOT_AND_SERIAL.match(uri):
        tail = uri[uri.find("/10/") + 4 :]
        uri = uri[: uri.find("/10/")] + tail[tail.find("/") :]
    return uri if _VALID.match(uri) else None


# Fast path for the common case: an SGTIN whose serial needs no percent-escapes. Bulk documents repeat
# a few company prefix + item reference pairs, so the GTIN part of their Digital Link is built once each.
_SGTIN_URN = "urn:epc:id:sgtin:"
_COMPANY_AND_ITEM = re.compile(r"(\d{6,12})\.(\d{1,7})\Z")
_PLAIN_SGTIN = re.compile(r"urn:epc:id:sgtin:(\d{6,12}\.\d{1,7})\.([!')(*+,.0-9:;=A-Za-z_-]{1,20})\Z")
# The same without the characters the Digital Link must %-escape: the usual serial, used as it is.
_UNESCAPED_SGTIN = re.compile(r"urn:epc:id:sgtin:(\d{6,12}\.\d{1,7})\.(['.0-9;=A-Za-z_-]{1,20})\Z")


@lru_cache(maxsize=4096)
def _gtin_base(company_and_item: str) -> str | None:
    """``https://id.gs1.org/01/<GTIN-14>/21/`` for a 13-digit ``prefix.itemref`` pair, else ``None``."""
    m = _COMPANY_AND_ITEM.match(company_and_item)
    if m is None:
        return None
    cp, ref = m.groups()
    if len(cp) + len(ref) != 13:
        return None
    body = ref[0] + cp + ref[1:]
    return f"{_DL_BASE}01/{body}{check_digit(body)}/21/"


def plain_sgtin(value: str) -> str | None:
    """Canonical Digital Link of an SGTIN URN with a plain serial (1-20 GS3A3 characters, no ``%``).

    ``None`` for anything else, which ``canonical_digital_link`` then reads the general way.
    """
    m = _UNESCAPED_SGTIN.match(value)
    if m is not None:
        base = _gtin_base(m[1])
        return None if base is None else base + m[2]
    m = _PLAIN_SGTIN.match(value)
    if m is None:
        return None
    base = _gtin_base(m[1])
    return None if base is None else base + m[2].translate(_ENCODE)


@lru_cache(maxsize=65536)
def canonical_digital_link(value: str) -> str | None:
    """The canonical GS1 Digital Link URI of an EPC URN or Digital Link URI, or ``None`` if not one."""
    if "." not in value:
        return None
    if value.startswith(_SGTIN_URN):
        plain = plain_sgtin(value)
        if plain is not None:
            return plain
    if value.startswith("urn:epc:"):
        m = _URN.match(value)
        return _urn_to_dl(m.group(1), m.group(2), m.group(3), m.group(4)) if m else None
    if value.startswith("http"):
        return _dl_to_canonical(value)
    return None


def is_digital_link(value: str) -> bool:
    """Whether ``value`` is a GS1 Digital Link URI with a GS1 key (any host)."""
    return value.startswith("http") and _DL.match(value) is not None


_DECODE = (("%21", "!"), ("%28", "("), ("%29", ")"), ("%2A", "*"), ("%2B", "+"), ("%2C", ","), ("%3A", ":"))
_CANONICAL_PATH = re.compile(r"https://id\.gs1\.org/(00|01|414|417|8003|8004)/([^/]+)(?:/(10|21|254)/([^/]+))?\Z")


def _decode(text: str) -> str:
    for encoded, char in _DECODE:
        text = text.replace(encoded, char)
    return text


def digital_link_to_urn(value: str, company_prefix_length: int) -> str | None:
    """The EPC URN of a GS1 Digital Link (SGTIN, LGTIN class, SSCC, SGLN, PGLN, GRAI, GIAI), or ``None``.

    A Digital Link does not say where the GS1 Company Prefix ends, so its length must be given.
    """
    if not 6 <= company_prefix_length <= 12:
        raise ValueError(f"company prefix length {company_prefix_length} is not between 6 and 12")
    # Percent-escaped serials fail the canonical-form check of the hash rules but convert fine.
    canonical = canonical_digital_link(value) or (value if value.startswith(_DL_BASE) else "")
    m = _CANONICAL_PATH.match(canonical)
    if m is None:
        return None
    ai, key, qualifier, extra = m.groups()
    n = company_prefix_length
    if ai == "01":
        cp, ref = key[1 : 1 + n], key[0] + key[1 + n : 13]
        if qualifier == "21":
            return f"urn:epc:id:sgtin:{cp}.{ref}.{_decode(extra)}"
        if qualifier == "10":
            return f"urn:epc:class:lgtin:{cp}.{ref}.{_decode(extra)}"
        return f"urn:epc:idpat:sgtin:{cp}.{ref}.*"
    if ai == "00":
        return f"urn:epc:id:sscc:{key[1 : 1 + n]}.{key[0]}{key[1 + n : 17]}"
    if ai == "414":
        return f"urn:epc:id:sgln:{key[:n]}.{key[n:12]}.{_decode(extra) if qualifier == '254' else '0'}"
    if ai == "417":
        return f"urn:epc:id:pgln:{key[:n]}.{key[n:12]}"
    if ai == "8003":
        return f"urn:epc:id:grai:{key[1 : 1 + n]}.{key[1 + n : 13]}.{_decode(key[14:])}" if len(key) > 14 else None
    return f"urn:epc:id:giai:{key[:n]}.{_decode(key[n:])}"
