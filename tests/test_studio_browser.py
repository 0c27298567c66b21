"""The studio in a real browser, used as an editor uses it: Debian's headless Chromium driven by Selenium
against the real `reelcart studio` command serving a copy of the sample run.

The editor opens the page with the token, selects reel 1, drags its out point left (it snaps to a
word end), cuts a few words out from the transcript, swaps the product, previews a frame and
re-renders the reel in the background. Then the files are checked: plan.json (the new out point,
the editor's cut, the product, a higher revision), the re-rendered reel's duration (probed) and the
manifest. Also: no console errors, no request anywhere but the studio's 127.0.0.1 address, and a
second tab's edit of the same reel answered with a conflict that keeps the edit to apply again.
Screenshots of each step are kept in ``test-artifacts/`` (``studio.png``: the whole page).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from reelcart.media.probe import probe_media

from .browser_helpers import css, into_view, screenshot, settle, start_chromium, studio_process, wait_for

RENDER_TIMEOUT_S = 180


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def studio_root(sample_run, tmp_path_factory) -> Path:
    """A folder holding a private copy of the session's sample run (made by `reelcart run`; shared, so copied)."""
    root = tmp_path_factory.mktemp("studio")
    shutil.copytree(sample_run[0], root / "friday-live", symlinks=True)
    return root


@pytest.fixture(scope="module")
def studio(studio_root, tmp_path_factory):
    """`reelcart studio ROOT --no-browser --port 0` in a subprocess: (the printed URL with its token, its log file)."""
    log = tmp_path_factory.mktemp("studio-log") / "studio.log"
    with studio_process(studio_root, log) as url:
        yield url, log


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    browser = start_chromium(tmp_path_factory.mktemp("chromium-profile"), network_log=True)
    yield browser
    browser.quit()


# ---------------------------------------------------------------- page helpers


def message(driver) -> str:
    return driver.execute_script("const m = document.querySelector('#message'); return m.hidden ? '' : m.innerText;")


def plan_of(folder: Path) -> dict:
    return json.loads((folder / "plan.json").read_text(encoding="utf-8"))


def moment_of(plan: dict, moment_id: str) -> dict:
    return next(m for m in plan["moments"] if m["id"] == moment_id)


def spans(moment: dict) -> list[dict]:
    return moment["segments"] or [{"start_s": moment["start_s"], "end_s": moment["end_s"]}]


PAGE_WORDS = """return Array.from(document.querySelectorAll('#transcript span.word')).map(w => ({
  i: Number(w.dataset.i), start_s: Number(w.dataset.start), end_s: Number(w.dataset.end), text: w.textContent,
  in_reel: w.classList.contains('in-reel'), in_cut: w.classList.contains('in-cut')}));"""


def requested_urls(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        event = json.loads(entry["message"])["message"]
        if event.get("method") == "Network.requestWillBeSent":
            urls.append(event["params"]["request"]["url"])
    return urls


# ---------------------------------------------------------------- the editor's session


def drag_out_point(driver, folder: Path, reel: str) -> float:
    """Drag the reel's out point left; return the new out point as saved."""
    from selenium.webdriver.common.action_chains import ActionChains

    old_out = spans(moment_of(plan_of(folder), reel))[-1]["end_s"]
    handle = css(driver, "#strip .segment:last-child .handle-out")
    into_view(driver, handle)
    ActionChains(driver).drag_and_drop_by_offset(handle, -60, 0).perform()
    settle(driver)
    assert "error" not in (css(driver, "#message").get_attribute("class") or ""), message(driver)
    new_out = spans(moment_of(plan_of(folder), reel))[-1]["end_s"]
    assert new_out < old_out - 0.5, (old_out, new_out)
    return new_out


def cut_words(driver, folder: Path, reel: str) -> list[dict]:
    """Click a word inside the reel, shift-click the third word after it, press "Cut selection"."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    longest = max(spans(moment_of(plan_of(folder), reel)), key=lambda s: s["end_s"] - s["start_s"])
    inside = [w for w in driver.execute_script(PAGE_WORDS)
              if w["in_reel"] and not w["in_cut"] and w["start_s"] > longest["start_s"] + 1 and w["end_s"] < longest["end_s"] - 1]
    assert len(inside) > 8, longest
    first, last = inside[len(inside) // 2], inside[len(inside) // 2 + 3]
    assert last["i"] == first["i"] + 3
    start_el = css(driver, f'#transcript span.word[data-i="{first["i"]}"]')
    end_el = css(driver, f'#transcript span.word[data-i="{last["i"]}"]')
    into_view(driver, start_el)
    start_el.click()
    ActionChains(driver).key_down(Keys.SHIFT).click(end_el).key_up(Keys.SHIFT).perform()
    selected = driver.execute_script("return Array.from(document.querySelectorAll('#transcript span.word.selected')).map(w => Number(w.dataset.i));")
    assert selected == list(range(first["i"], last["i"] + 1))
    # the click seeked the video to the first word, and the transcript marks it as the one being spoken
    assert abs(driver.execute_script("return document.querySelector('#video').currentTime;") - first["start_s"]) < 0.05
    assert css(driver, f'#transcript span.word[data-i="{first["i"]}"]').get_attribute("class").split().count("current") == 1
    button = css(driver, "#cut-selection")
    into_view(driver, button)
    button.click()
    settle(driver)
    return [w for w in driver.execute_script(PAGE_WORDS) if first["i"] <= w["i"] <= last["i"]]


def swap_product(driver, folder: Path, reel: str) -> str:
    from selenium.webdriver.support.ui import Select

    current = moment_of(plan_of(folder), reel)["sku"]
    element = css(driver, "select#product")
    into_view(driver, element)
    select = Select(element)
    other = next(o.get_attribute("value") for o in select.options if o.get_attribute("value") != current)
    select.select_by_value(other)
    settle(driver)
    assert moment_of(plan_of(folder), reel)["sku"] == other, message(driver)
    return other


def preview_frame(driver) -> dict:
    driver.execute_script("const r = document.querySelector('#preview-t'); r.value = '2'; r.dispatchEvent(new Event('input'));")
    button = css(driver, "#preview-btn")
    into_view(driver, button)
    button.click()
    wait_for(driver, "const i = document.querySelector('img#preview'); return (i.complete && i.naturalWidth > 0)"
             " || document.querySelector('#message.error:not([hidden])') !== null;", timeout_s=90, what="the preview frame")
    settle(driver)
    assert not driver.find_elements("css selector", "#message.error:not([hidden])"), f"the preview failed: {message(driver)}"
    return driver.execute_script("const i = document.querySelector('img#preview'); return {w: i.naturalWidth, h: i.naturalHeight,"
                                 " ms: document.querySelector('#preview-ms').textContent};")


def render_reel(driver, reel: str, tmp_path: Path) -> str:
    """Tick the reel (it is ticked already: it changed), press Render, wait for the job; return the job status text."""
    boxes = {card.get_attribute("data-id"): css(card, ".render-select").is_selected()
             for card in driver.find_elements("css selector", "#reels .reel-card")}
    assert boxes[reel], f"the changed reel is not ticked for rendering by default: {boxes}"
    assert not any(checked for rid, checked in boxes.items() if rid != reel), boxes  # the unchanged ones are not
    button = css(driver, "#render-btn")
    into_view(driver, button)
    button.click()
    wait_for(driver, "return document.querySelector('#job-status').dataset.status === 'running';", what="the render job to start")
    running = css(driver, "#job-status").text
    assert re.match(r"running( \w+)? \(\d+/\d+\)", running), running  # the stage and (done/total) reels
    screenshot(driver, tmp_path / "studio-5-rendering.png")
    wait_for(driver, "return ['done', 'failed', 'interrupted'].includes(document.querySelector('#job-status').dataset.status);",
             timeout_s=RENDER_TIMEOUT_S, what="the render job to end")
    settle(driver)
    return css(driver, "#job-status").text


def test_an_editor_corrects_and_rerenders_reel_1(studio, studio_root, driver, tmp_path):
    url, log = studio
    base = url.split("?")[0]
    folder = studio_root / "friday-live"
    before = plan_of(folder)
    reel = before["moments"][0]["id"]
    old_out = spans(before["moments"][0])[-1]["end_s"]

    driver.get("about:blank")
    driver.get_log("performance")  # drop what the browser fetched for its own start page
    driver.get(url)
    settle(driver)
    assert driver.current_url.split("#")[0] == base  # the token link set the cookie and went to the page
    screenshot(driver, tmp_path / "studio-1-open.png")
    card = css(driver, f'#reels .reel-card[data-id="{reel}"] h3')
    into_view(driver, card)
    card.click()
    settle(driver)
    assert css(driver, "#reels .reel-card.selected").get_attribute("data-id") == reel
    assert reel in css(driver, "#editor-title").text

    new_out = drag_out_point(driver, folder, reel)
    screenshot(driver, tmp_path / "studio-2-out-point.png")
    cut = cut_words(driver, folder, reel)
    screenshot(driver, tmp_path / "studio-3-cut.png")
    sku = swap_product(driver, folder, reel)
    frame = preview_frame(driver)
    assert abs(frame["w"] / frame["h"] - 9 / 16) < 0.02 and frame["w"] >= 360, frame
    assert re.search(r"\d+ ms", frame["ms"]), frame
    screenshot(driver, tmp_path / "studio-4-preview.png")
    status = render_reel(driver, reel, tmp_path)
    assert status.startswith("done"), f"{status}; {message(driver)}; server log: {log.read_text()[-2000:]}"
    # the server's word on the job: the one reel asked for rendered, the unchanged ones reused (not "3/3 reels")
    others = len(before["moments"]) - 1
    assert re.fullmatch(rf"done in \d+\.\d s: 1 rendered, {others} reused", status), status
    detail = css(driver, "#job-status").get_attribute("title")
    assert detail.startswith(f"rendered: {reel} · reused: ") and detail.count("reel-") == others + 1, detail
    driver.execute_script("window.scrollTo(0, 0);")
    screenshot(driver, tmp_path / "studio.png")

    # plan.json: the out point moved left to a word end, the editor's cut, the product, a new revision
    words = driver.execute_script(PAGE_WORDS)
    plan = plan_of(folder)
    moment = moment_of(plan, reel)
    segments = spans(moment)
    assert segments[-1]["end_s"] == pytest.approx(new_out) and new_out < old_out
    assert any(abs(new_out - w["end_s"]) < 1e-3 for w in words), new_out
    edited = [c for c in moment["cuts"] if c["reason"] == "edited"]
    assert len(segments) >= 2 and len(edited) == 1, moment["cuts"]
    assert edited[0]["start_s"] == pytest.approx(cut[0]["start_s"], abs=0.05)
    assert edited[0]["end_s"] == pytest.approx(cut[-1]["end_s"], abs=0.05)
    assert all(w["in_cut"] for w in cut) and all(w["text"].strip(".,!?") in edited[0]["text"] for w in cut), (cut, edited)
    assert moment["sku"] == sku and plan["revision"] >= before.get("revision", 0) + 3
    expected_s = sum(s["end_s"] - s["start_s"] for s in segments)
    # the re-rendered reel plays the plan's segments, and the manifest says so
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    listed = next(r for r in manifest["reels"] if r["id"] == reel)
    info = probe_media(folder / listed["file"])
    assert abs(info.duration_s - expected_s) <= 2 / info.fps + 1e-3, (info.duration_s, expected_s)
    assert listed["product"]["sku"] == sku and listed["duration_s"] == pytest.approx(expected_s, abs=2 / info.fps)
    # the page shows the new reel (its video loads anew, cache-busted) and no longer asks for a re-render
    card_video = wait_for(driver, f"""const v = document.querySelector('#reels .reel-card[data-id="{reel}"] video');
        return v && v.readyState >= 1 ? {{src: v.currentSrc, duration: v.duration}} : null;""", what="the re-rendered reel's video")
    assert abs(card_video["duration"] - expected_s) < 0.2 and "rev=" in card_video["src"], card_video
    assert not driver.find_elements("css selector", f'#reels .reel-card[data-id="{reel}"] .badge.dirty')
    # no console errors, and nothing was fetched from anywhere but the studio
    errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    assert errors == [], errors
    urls = requested_urls(driver)
    assert any("/frame?" in u for u in urls) and any(u.startswith(base + "api/runs/") for u in urls), urls
    outside = [u for u in urls if not u.startswith((base, "data:", "blob:"))]
    assert outside == [], outside


def test_a_second_tab_gets_a_conflict_and_keeps_its_edit(studio, studio_root, driver, tmp_path):
    """Tab A loaded the plan; tab B changes the same reel; A's edit is refused (409), kept, and applied again."""
    url, _ = studio
    folder = studio_root / "friday-live"
    driver.get(url)
    settle(driver)
    reel = css(driver, "#reels .reel-card.selected").get_attribute("data-id")
    tab_a = driver.current_window_handle
    driver.switch_to.new_window("tab")
    driver.get(url)
    settle(driver)
    css(driver, "#reject").click()  # tab B rejects the reel
    settle(driver)
    assert moment_of(plan_of(folder), reel)["review"] == "rejected"
    driver.close()
    driver.switch_to.window(tab_a)
    revision = plan_of(folder)["revision"]
    approve = css(driver, "#approve")
    into_view(driver, approve)
    approve.click()  # tab A still shows the older revision
    settle(driver)
    text = message(driver)
    assert "conflict" in css(driver, "#message").get_attribute("class") and reel in text, text
    assert plan_of(folder)["revision"] == revision and moment_of(plan_of(folder), reel)["review"] == "rejected"
    assert css(driver, "#conflict-discard").is_displayed()
    screenshot(driver, tmp_path / "studio-conflict.png")
    css(driver, "#conflict-retry").click()  # apply again on the latest version
    settle(driver)
    assert moment_of(plan_of(folder), reel)["review"] == "approved" and plan_of(folder)["revision"] == revision + 1
    assert "conflict" not in (css(driver, "#message").get_attribute("class") or "")
    assert css(driver, f'#reels .reel-card[data-id="{reel}"] .badge.review-approved').text == "approved"
    severe = [e["message"] for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    assert all("409" in m for m in severe), severe  # only the refused edit itself


def test_undo_takes_the_last_edits_back(studio, studio_root, driver):
    """The Undo button and Ctrl+Z take edits back one by one; plan.json follows."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    url, _ = studio
    folder = studio_root / "friday-live"
    driver.get(url)
    settle(driver)
    reel = css(driver, "#reels .reel-card.selected").get_attribute("data-id")
    before = moment_of(plan_of(folder), reel)
    target = "rejected" if before["review"] != "rejected" else "approved"
    button = css(driver, {"approved": "#approve", "rejected": "#reject"}[target])
    into_view(driver, button)
    button.click()
    settle(driver)
    assert moment_of(plan_of(folder), reel)["review"] == target
    css(driver, "#product").click()  # a product from the list: a second edit
    other = next(p for p in plan_of(folder)["moments"] if p["sku"] != before["sku"])["sku"]
    driver.execute_script("const s = document.querySelector('#product'); s.value = arguments[0];"
                          "s.dispatchEvent(new Event('change'));", other)
    settle(driver)
    assert moment_of(plan_of(folder), reel)["sku"] == other
    css(driver, "#undo").click()
    settle(driver)
    assert moment_of(plan_of(folder), reel)["sku"] == before["sku"] and "undid the swap product" in message(driver)
    css(driver, "#transcript").click()  # keyboard focus on the page, not in a form field
    ActionChains(driver).key_down(Keys.CONTROL).send_keys("z").key_up(Keys.CONTROL).perform()
    settle(driver)
    assert moment_of(plan_of(folder), reel) == before
