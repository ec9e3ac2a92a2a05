"""Accessibility and keyboard checks over every page in Chromium, at desk, tablet and phone widths: one language,
a title, one h1, a main landmark, a label for every control, unique ids, valid aria references, no page wider
than the screen; the skip link, and scanner-driven keyboard flows."""

from __future__ import annotations

from typing import Any

from tests.conftest import GTIN

CHECK = """() => {
  const out = [];
  if (document.documentElement.lang !== 'en') out.push('lang');
  if (!document.title.endsWith('· Custody')) out.push('title ' + document.title);
  if (document.querySelectorAll('h1').length !== 1) out.push('h1 count ' + document.querySelectorAll('h1').length);
  if (!document.querySelector('main#main')) out.push('main');
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden') continue;
    const named = (el.labels && el.labels.length) || el.getAttribute('aria-label');
    if (!named) out.push('unlabelled ' + (el.id || el.name));
  }
  for (const el of document.querySelectorAll('button')) {
    if (!el.textContent.trim() && !el.getAttribute('aria-label')) out.push('empty button');
  }
  const ids = {};
  for (const el of document.querySelectorAll('[id]')) { if (ids[el.id]) out.push('dup id ' + el.id); ids[el.id] = 1; }
  for (const attr of ['aria-describedby', 'aria-labelledby']) {
    for (const el of document.querySelectorAll('[' + attr + ']')) {
      for (const id of el.getAttribute(attr).split(' ')) if (!document.getElementById(id)) out.push(attr + ' ' + id);
    }
  }
  if (document.documentElement.scrollWidth > document.documentElement.clientWidth) out.push('page overflows');
  return out;
}"""


def test_every_page_is_labelled_and_fits_the_screen(signed_in: Any, shipped: dict[str, Any]) -> None:
    page = signed_in("admin")
    bid = shipped["batch"]["id"]
    pack = shipped["serials"][0]
    urls = [
        "/",
        "/batches",
        f"/batches/{bid}",
        f"/trace/01/{GTIN}/21/{pack}",
        f"/recall/{bid}",
        "/recall",
        "/monitor",
        "/masterdata/products",
        "/masterdata/locations",
        "/masterdata/partners",
        "/audit",
        "/admin",
        "/shipments",
        "/receiving",
        "/decommission",
        f"/trace/01/{GTIN}/21/NOPE",
        "/batches/999",
    ]
    problems: dict[str, list[str]] = {}
    for width, height in ((1024, 768), (768, 1024), (375, 800)):
        page.set_viewport_size({"width": width, "height": height})
        for url in urls:
            page.goto(url)
            found = page.evaluate(CHECK)
            if found:
                problems[f"{width} {url}"] = found
    assert problems == {}


def test_keyboard_flows_for_a_scanning_station(signed_in: Any, shipped: dict[str, Any]) -> None:
    page = signed_in("admin")
    page.goto("/batches")
    # The scan field has the focus on arrival; the first stop from the top of the page is the skip link.
    assert page.evaluate("document.activeElement.id") == "scan-code"
    first = page.locator("a[href], button, input:not([type=hidden]), select, textarea").first
    assert first.inner_text().strip().lower().startswith("skip")
    first.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # Decommission: the scanner's Enter after the code moves on to the reason instead of sending the form.
    page.goto("/decommission")
    page.wait_for_function("document.activeElement?.id === 'code'")
    page.keyboard.type(f"(01){GTIN}(21){shipped['serials'][0]}")
    page.keyboard.press("Enter")
    assert page.url.endswith("/decommission")
    assert page.evaluate("document.activeElement.id") == "reason_code"

    # A rejected scan stays selected in the field, so the next scan replaces it.
    page.get_by_label("Reason", exact=True).select_option("sample")
    page.get_by_label("Scan the pack, case or pallet").fill("garbage")
    page.get_by_role("button", name="Decommission").click()
    page.wait_for_function("document.activeElement?.id === 'code'")
    value, start, end = page.evaluate(
        "[document.activeElement.value, document.activeElement.selectionStart, document.activeElement.selectionEnd]"
    )
    assert (value, start, end) == ("garbage", 0, len("garbage"))
    page.keyboard.type("NEW")
    assert page.evaluate("document.activeElement.value") == "NEW"
