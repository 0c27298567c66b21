"""The review page in a real browser: Debian's headless Chromium driven by Selenium.

Checks, on the sample run (served over http://127.0.0.1 and opened from file://) and on a run whose
catalog, transcript and reasons carry script-injection payloads: no console errors, the timeline
chart is drawn, every reel's video loads with a duration and its thumbnail decodes, nothing is
fetched from outside the output folder, and the payloads show as text and never run. Full-page
screenshots are kept in ``test-artifacts/`` (git-ignored).

The module skips, saying why, only when no browser can be had: Selenium, Chromium or its
WebDriver missing (``make system-deps`` installs the Debian packages as root).
"""

from __future__ import annotations

import json
import threading
from functools import partial
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .browser_helpers import screenshot, start_chromium
from .package_helpers import PAYLOADS, hostile_run, make_media, validate_manifest


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # noqa: ANN002
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:  # noqa: ANN001 - the browser drops media connections early
        pass


@pytest.fixture
def serve():
    servers = []

    def start(folder: Path) -> str:
        server = _Server(("127.0.0.1", 0), partial(_QuietHandler, directory=str(folder)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


WAIT_FOR_MEDIA = """
const done = arguments[arguments.length - 1];
const within = (p, ms) => Promise.race([p, new Promise(r => setTimeout(() => r('timeout'), ms))]);
const videos = Array.from(document.querySelectorAll('video'));
Promise.all(videos.map(async v => {
  if (v.readyState < 1 && !v.error) {
    await within(new Promise(r => { v.addEventListener('loadedmetadata', r, {once: true}); v.addEventListener('error', r, {once: true}); }), 30000);
  }
  let poster = 0;
  if (v.poster) {
    const img = new Image(); img.src = v.poster;
    try { await within(img.decode(), 15000); poster = img.naturalWidth; } catch (e) { poster = -1; }
  }
  return {src: v.currentSrc, duration: v.duration, error: v.error ? v.error.code : null, width: v.videoWidth, poster: poster};
})).then(done);
"""

CHART = """
const box = el => { const r = el.getBoundingClientRect(); return [r.width, r.height]; };
const svg = document.querySelector('#timeline');
return {
  svg: svg ? box(svg) : null,
  series: Array.from(document.querySelectorAll('#timeline polyline.series')).map(box),
  reels: Array.from(document.querySelectorAll('#timeline rect.reel-span')).map(box),
  candidates: Array.from(document.querySelectorAll('#timeline rect.candidate-span')).map(box),
  spikes: Array.from(document.querySelectorAll('#timeline g.spike line')).map(box),
  resources: performance.getEntriesByType('resource').map(e => e.name),
};
"""

INERT = """
const onAttrs = [];
for (const el of document.querySelectorAll('*')) {
  for (const a of el.attributes) { if (a.name.toLowerCase().startsWith('on')) onAttrs.push(el.tagName + ' ' + a.name); }
}
return {scripts: document.scripts.length, images: document.images.length, iframes: document.querySelectorAll('iframe').length,
        onAttrs: onAttrs, text: document.body.innerText,
        textareas: Array.from(document.querySelectorAll('textarea')).map(t => t.value),
        hrefs: Array.from(document.querySelectorAll('a')).map(a => a.getAttribute('href'))};
"""


def open_page(driver, url: str) -> dict:
    """Load ``url``; wait for every video's metadata; return alerts, console errors, media and chart facts."""
    from selenium.common.exceptions import TimeoutException, UnexpectedAlertPresentException
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(url)
    page: dict = {"alert": None, "media": [], "chart": {}, "inert": None}
    try:
        WebDriverWait(driver, 1.5).until(expected_conditions.alert_is_present())
        page["alert"] = driver.switch_to.alert.text
        driver.switch_to.alert.accept()
    except TimeoutException:
        pass
    try:
        page["media"] = driver.execute_async_script(WAIT_FOR_MEDIA)
        page["chart"] = driver.execute_script(CHART)
        page["inert"] = driver.execute_script(INERT)
    except UnexpectedAlertPresentException as exc:  # a payload ran while we looked
        page["alert"] = page["alert"] or exc.alert_text or "?"
    page["errors"] = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    return page


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs) -> None:  # noqa: ANN001
        self.tags.append((tag, dict(attrs)))


def parse_tags(html_text: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html_text)
    return parser.tags


# ---------------------------------------------------------------- the sample run


def test_sample_report_in_chromium(sample_run, browser, serve, tmp_path):
    out, _ = sample_run
    manifest = json.loads((out / "manifest.json").read_text())
    validate_manifest(manifest)
    spikes = json.loads((out / "work" / "spikes.json").read_text())["artifact"]
    base = serve(out)
    page = open_page(browser, base + "report.html")
    assert page["alert"] is None and page["errors"] == [], page["errors"]
    # the chart is drawn: one step line per product with orders, each spike, each chosen reel shaded
    chart = page["chart"]
    assert chart["svg"][0] > 900 and chart["svg"][1] > 250
    assert len(chart["series"]) == sum(1 for s in spikes["timeline"] if any(s["counts"])) >= 3
    assert len(chart["spikes"]) == len(spikes["spikes"]) >= 2 and len(chart["reels"]) == len(manifest["reels"])
    for w, h in chart["series"] + chart["reels"]:
        assert w > 10 and h > 0
    assert all(h > 100 for _, h in chart["spikes"])
    # each reel plays: metadata loaded, duration as rendered, thumbnail decodes
    assert len(page["media"]) == len(manifest["reels"])
    for video, reel in zip(page["media"], manifest["reels"], strict=True):
        assert video["error"] is None and video["src"] == base + reel["file"], video
        assert abs(video["duration"] - reel["duration_s"]) < 0.3 and video["width"] == 1080
        assert video["poster"] == 1080
    # nothing is fetched from outside the output folder
    assert chart["resources"] and all(r.startswith(base) for r in chart["resources"]), chart["resources"]
    # the marketer's facts are on the page
    text = page["inert"]["text"]
    for reel in manifest["reels"]:
        for fact in (reel["product"]["name"], reel["link"], reel["key_phrase"], reel["transcript_excerpt"][:60], f"{reel['score']['total']:.2f}",
                     *reel["warnings"], *(p["title"] for p in reel["posts"])):
            assert fact in text, fact
    assert all(p["caption"] in page["inert"]["textareas"] for r in manifest["reels"] for p in r["posts"])
    pixels = screenshot(browser, tmp_path / "report.png")
    assert pixels.shape[1] >= 1200 and pixels.shape[0] > 2000 and pixels.std() > 20


def test_sample_report_works_offline_from_file(sample_run, browser):
    out, _ = sample_run
    manifest = json.loads((out / "manifest.json").read_text())
    page = open_page(browser, (out / "report.html").as_uri())
    assert page["errors"] == [], page["errors"]
    assert [round(v["duration"], 1) > 10 and v["error"] is None for v in page["media"]] == [True] * len(manifest["reels"])
    tags = parse_tags((out / "report.html").read_text(encoding="utf-8"))
    for tag, attrs in tags:  # media and styles are relative to the page: it works copied anywhere, offline
        for name in ("src", "poster", "srcset", "data"):
            assert not attrs.get(name) or "://" not in attrs[name], (tag, name, attrs[name])
        if tag == "link":
            assert attrs.get("href", "").startswith("data:"), attrs
    assert not [t for t, _ in tags if t in ("script", "iframe", "object", "embed", "img")]


# ---------------------------------------------------------------- injection payloads


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    return make_media(tmp_path_factory.mktemp("media"), seconds=3.0)


def test_injection_payloads_stay_inert(browser, serve, tmp_path, media):
    out = tmp_path / "hostile"
    hostile_run(out, media)
    html_text = (out / "report.html").read_text(encoding="utf-8")
    tags = parse_tags(html_text)
    assert not [t for t, _ in tags if t in ("script", "img", "iframe", "object", "embed")]
    assert [a for _, attrs in tags for a in attrs if a.startswith("on")] == []
    assert sum(1 for t, _ in tags if t == "svg") == 1  # only the chart
    page = open_page(browser, serve(out) + "report.html")
    assert page["alert"] is None, f"a payload ran: alert({page['alert']})"
    inert = page["inert"]
    assert inert["scripts"] == 0 and inert["images"] == 0 and inert["iframes"] == 0 and inert["onAttrs"] == []
    assert page["errors"] == [], page["errors"]
    for literal in (*PAYLOADS, "</textarea><svg onload=alert(2)>", "<img src=x onerror=alert(3)>", "<iframe src=javascript:alert(7)></iframe>",
                    "</li><script>alert(4)</script> check the crop", "SKU-<b>1</b>", "<svg onload=alert(8)>.mp4"):
        assert literal in inert["text"], literal
    assert any(PAYLOADS[0] in value for value in inert["textareas"])
    assert all(h and not set('"<> ') & set(h) for h in inert["hrefs"]), inert["hrefs"]
    assert [v["error"] for v in page["media"]] == [None, None] and all(v["duration"] > 2 for v in page["media"])
    screenshot(browser, tmp_path / "report-injection.png")


def test_the_inertness_check_catches_a_live_payload(browser, serve, tmp_path):
    """Control: the same checks on a page that does NOT escape must fail, or they prove nothing."""
    (tmp_path / "bad.html").write_text(f"<!doctype html><html><body><h1>{PAYLOADS[1]}</h1></body></html>", encoding="utf-8")
    page = open_page(browser, serve(tmp_path) + "bad.html")
    assert page["alert"] == "1" or (page["inert"] is not None and page["inert"]["images"] == 1), page
