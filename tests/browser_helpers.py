"""Debian's headless Chromium driven by Selenium, shared by the browser tests (report page, studio), and the
studio served by `reelcart studio` for them.

``start_chromium`` skips the calling test, saying why, only when no browser can be had: Selenium,
Chromium or its WebDriver missing (``make system-deps`` installs the Debian packages as root). It
never downloads a browser.
"""

from __future__ import annotations

import base64
import contextlib
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from .package_helpers import ARTIFACTS

CHROME_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--no-first-run", "--disable-dev-shm-usage", "--mute-audio", "--window-size=1280,1000")


def _first_file(*candidates: str | None) -> str | None:
    return next((c for c in candidates if c and Path(c).is_file() and os.access(c, os.X_OK)), None)


def start_chromium(profile_dir: Path, *, network_log: bool = False):
    """A headless Chromium at 1280x1000 logging the console (and, with ``network_log``, every request)."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("no browser: the selenium package is not installed (pip install -e '.[dev]')")
    chromium = _first_file(os.environ.get("REELCART_CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser"),
                           "/usr/bin/chromium")
    driver_exe = _first_file(os.environ.get("REELCART_CHROMEDRIVER"), shutil.which("chromedriver"), "/usr/bin/chromedriver",
                             "/usr/lib/chromium/chromedriver")
    if chromium is None or driver_exe is None:
        missing = " and ".join(n for n, p in (("chromium", chromium), ("chromium-driver", driver_exe)) if p is None)
        pytest.skip(f"no browser: {missing} not installed (apt-get install chromium chromium-driver, or `make system-deps` as root)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*CHROME_FLAGS, f"--user-data-dir={profile_dir}"):
        options.add_argument(flag)
    logs = {"browser": "ALL", "performance": "ALL"} if network_log else {"browser": "ALL"}
    options.set_capability("goog:loggingPrefs", logs)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_exe))  # never downloads a browser
    driver.set_script_timeout(60)
    driver.set_page_load_timeout(60)
    return driver


def screenshot(driver, path: Path) -> np.ndarray:
    """Full-page PNG (Chrome DevTools), saved at ``path`` and under test-artifacts/; returns the pixels."""
    import cv2

    metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = metrics.get("cssContentSize") or metrics["contentSize"]
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}})
    data = base64.b64decode(shot["data"])
    path.write_bytes(data)
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(path, ARTIFACTS / path.name)
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)


def wait_for(driver, script: str, *, timeout_s: float = 30, what: str = "") -> object:
    """Poll a script until it returns something truthy; return that."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout_s, poll_frequency=0.1).until(lambda d: d.execute_script(script), message=what or script)


def settle(driver, timeout_s: float = 60) -> None:
    """Wait until the studio page has drawn its run state and no request is in flight."""
    wait_for(driver, "return document.body.dataset.ready === '1' && !document.body.dataset.busy", timeout_s=timeout_s,
             what="the studio page to load and finish its requests")


def into_view(driver, element) -> None:
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', inline: 'nearest'});", element)


def css(driver, selector: str):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, selector)


@contextlib.contextmanager
def studio_process(root: Path, log: Path):
    """`reelcart studio ROOT --no-browser --port 0` in a subprocess; yields the printed URL with its token."""
    repo = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(repo / "src"), os.environ.get("PYTHONPATH")) if p)}
    proc = subprocess.Popen([sys.executable, "-m", "reelcart.cli", "studio", str(root), "--no-browser", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=log.open("w"), text=True, env=env, cwd=repo)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    url = None
    try:
        while url is None:
            line = lines.get(timeout=60)
            match = re.match(r"studio: (http://127\.0\.0\.1:\d+/\?token=\S+)", line)
            url = match.group(1) if match else None
    except queue.Empty:
        proc.kill()
        pytest.fail(f"`reelcart studio` printed no URL within 60 s: {log.read_text()[-2000:]}")
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
