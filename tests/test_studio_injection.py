"""Hostile text in a run, shown by the studio in a real browser: product names, transcript words,
warnings, key phrases and the run's folder name carrying HTML and script payloads. Every one must
land as text: no element parsed out of them, no dialog, no console error, and the payloads readable
on the page as they were written. Screenshot: ``test-artifacts/studio-injection.png``.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from .browser_helpers import css, into_view, screenshot, settle, start_chromium, studio_process
from .studio_helpers import copy_run

SAMPLE_CATALOG = Path(__file__).resolve().parents[1] / "samples" / "catalog.csv"
# a folder name cannot hold "/", so the run's name carries a tag and an image instead of `</b>`
RUN_NAME = 'show <b>x <img src=x onerror=alert(5)>'
HOSTILE_NAMES = {
    "SKU-GLOW-30": "<script>alert(1)</script> Serum",
    "SKU-BAMBOO-750": '"><img src=x onerror=alert(2)>',
    "SKU-CLOUD-BLK": "Blanket </option><script>alert(6)</script>",
}
OTHER_NAME = "&lt;b&gt;entity&lt;/b&gt; {{CSRF}}"  # entities and the page's placeholder stay as typed
WORD_PAYLOADS = ["<img src=x onerror=alert(3)>", "<b>bold</b>", "<svg/onload=alert(7)>"]
WARNING = "</li><script>alert(4)</script>"
KEY_PHRASE = "<iframe src=javascript:alert(8)>"
PARSED = "img[src='x'], script:not([src]), iframe, svg svg, b b, [onerror], [onload]"


def _hostile_catalog(path: Path) -> dict[str, str]:
    with SAMPLE_CATALOG.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    names = {row["sku"]: HOSTILE_NAMES.get(row["sku"], OTHER_NAME) for row in rows}
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({**row, "name": names[row["sku"]]} for row in rows)
    return names


def _hostile_words(folder: Path, first_s: float) -> list[str]:
    """Replace transcript words from ``first_s`` on (inside the first reel) with the payloads."""
    path = folder / "work" / "transcribe.json"
    envelope = json.loads(path.read_text(encoding="utf-8"))
    words = [w for s in envelope["artifact"]["segments"] for w in s["words"] if w["start_s"] >= first_s]
    assert len(words) > 3 * len(WORD_PAYLOADS)
    for word, payload in zip(words[::3], WORD_PAYLOADS):
        word["text"] = f" {payload}"
    path.write_text(json.dumps(envelope), encoding="utf-8")
    return WORD_PAYLOADS


@pytest.fixture(scope="module")
def hostile_root(sample_run, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("studio-hostile")
    folder = copy_run(sample_run[0], root, name=RUN_NAME)
    names = _hostile_catalog(root / "catalog-hostile.csv")
    plan = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    plan["inputs"]["catalog"] = str(root / "catalog-hostile.csv")
    for m in plan["moments"]:
        m["product_name"] = names[m["sku"]]
    plan["moments"][0]["warnings"].append(WARNING)
    plan["moments"][0]["key_phrase"] = KEY_PHRASE
    (folder / "plan.json").write_text(json.dumps(plan, indent=2), encoding="utf-8")
    _hostile_words(folder, plan["moments"][0]["start_s"] + 1)
    return root


def _no_dialog(driver) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert  # noqa: B018 - the property raises when no dialog is open


def test_hostile_text_lands_as_text(hostile_root, tmp_path):
    from selenium.webdriver.support.ui import Select

    driver = start_chromium(tmp_path / "profile")
    try:
        with studio_process(hostile_root, tmp_path / "studio.log") as url:
            driver.get(url)
            settle(driver)
            _no_dialog(driver)
            strip = driver.execute_script("return Array.from(document.querySelectorAll('#strip .strip-word')).map(w => w.title);")
            card = css(driver, '#reels .reel-card[data-id="reel-2"] h3')
            into_view(driver, card)
            card.click()
            settle(driver)
            product = css(driver, "select#product")
            into_view(driver, product)
            product.click()  # open the product list
            options = [o.text for o in Select(product).options]
            _no_dialog(driver)
            screenshot(driver, tmp_path / "studio-injection.png")
            page = driver.execute_script(f"""return {{
                parsed: document.querySelectorAll("{PARSED}").length,
                text: document.body.innerText, title: document.title,
                meta: document.querySelector('#run-meta').textContent,
                run: document.querySelector('#run-select').selectedOptions[0].textContent,
                editor: document.querySelector('#editor-title').textContent,
                svg: Array.from(document.querySelectorAll('#timeline title')).map(t => t.textContent).join('\\n'),
                words: Array.from(document.querySelectorAll('#transcript span.word')).map(w => w.textContent)}};""")
            logs = driver.get_log("browser")
    finally:
        driver.quit()
    assert page["parsed"] == 0, page["parsed"]  # nothing in the run's text became an element
    assert page["title"] == "reelcart studio"
    text = page["text"]
    for payload in (*HOSTILE_NAMES.values(), WARNING, *WORD_PAYLOADS):
        assert payload in text, payload
    assert KEY_PHRASE in text
    assert page["meta"].startswith(f"{RUN_NAME} · ") and page["run"].startswith(f"{RUN_NAME} (3 reels")
    assert page["editor"] == f'reel-2 {HOSTILE_NAMES["SKU-BAMBOO-750"]}'
    assert all(f"{name} (" in "\n".join(options) for name in (*HOSTILE_NAMES.values(), OTHER_NAME)), options
    assert HOSTILE_NAMES["SKU-GLOW-30"] in page["svg"]  # the timeline's tooltips and legend
    assert set(WORD_PAYLOADS) <= set(page["words"])
    assert all(any(t.startswith(f"{p} ") for t in strip) for p in WORD_PAYLOADS), strip  # reel 1's strip: word tooltips
    severe = [e for e in logs if e.get("level") == "SEVERE"]
    assert severe == [], severe
