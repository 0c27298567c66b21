"""Crafted text (product names, transcript words, file names) cannot reach ffmpeg's filter graph, the ASS
subtitles, the CSV export or the HTML page as code. (tests/test_package*.py cover more HTML/CSV payloads
on synthetic runs; here a real render carries every payload at once.)"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
import shutil

import pytest

from reelcart.config import Preset
from reelcart.models import MediaInfo, MomentPlan
from reelcart.stages import render

from .reliability_kit import cli, good_run, orders_text, probe_ok
from .test_bad_inputs import clip_plan_template, media

ASS_OVERRIDE = r"{\pos(1,1)\fs200\c&H0000FF&\an8}"
HOSTILE = ("=HYPERLINK(\"http://evil\") 'q' \"dq\" a:b c\\d 100% {x} [0:v] ;drop, k=v\nline2 "
           + ASS_OVERRIDE + r" \N <script>alert(1)</script>")
HOSTILE_FILE = "-evil' [in];[0:v]drawbox=c=red:t=fill, %{pts} 名 ;=\\x.mp4"
WORDS = ["=SUM(A1)", "+1", "-1", "@cmd", ASS_OVERRIDE, r"\N\h", "'", "\"", ":", "\\", "%", "{", "}", "[", "]", ";", ",", "=",
         "<img src=x onerror=alert(2)>"]


@pytest.fixture(scope="module")
def hostile_reel(tmp_path_factory):
    """A real render: hostile product name (catalog), file name and transcript words (edited cached transcript)."""
    tmp = tmp_path_factory.mktemp("inject")
    video = tmp / HOSTILE_FILE
    shutil.copyfile(media("base"), video)
    catalog = tmp / "catalog.csv"
    with open(catalog, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["sku", "name", "url"])
        w.writerow(["SKU-GLOW-30", HOSTILE, "https://shop.example.com/p?a=1&b='x'#{y}"])
        w.writerow(["SKU-BAMBOO-750", "Bamboo", "https://shop.example.com/b"])
    orders = tmp / "orders.csv"
    orders.write_text(orders_text(spike_at_s=0.5, duration_s=3.0))
    plan = json.loads(clip_plan_template().read_text())
    moment = plan["moments"][0]
    moment.update(start_s=0.1, end_s=2.8, pitch_start_s=0.1, spike_onset_s=None, cta_start_s=None, cta_end_s=None,
                  cta_text=None, crop=None, product_name=HOSTILE)
    plan.update(source=str(video), moments=[moment], rejected=[], notes=[])
    out = tmp / "out"
    out.mkdir()
    plan_file = out / "plan.json"
    plan_file.write_text(json.dumps(plan))
    args = ["render", plan_file, "--orders", orders, "--catalog", catalog, "--out", out, "--set", "transcribe.model=tiny.en",
            "--set", "render.width_px=270", "--set", "render.height_px=480"]
    first = cli(*args)
    assert first.exit_code == 0, first.output
    # put hostile words into the cached transcript, then re-render (a changed render field re-runs render only)
    path = out / "work" / "transcribe.json"
    envelope = json.loads(path.read_text())
    words = [w for seg in envelope["artifact"]["segments"] for w in seg["words"]]
    assert words, "the tiny clip has speech"
    for i, word in enumerate(words):
        word["text"] = WORDS[i % len(WORDS)]
    for seg in envelope["artifact"]["segments"]:
        seg["text"] = " ".join(w["text"] for w in seg["words"])
    path.write_text(json.dumps(envelope))
    second = cli(*args, "--set", "render.crf=28")
    assert second.exit_code == 0, second.output
    assert "render" in second.output
    return out


def test_hostile_render_succeeds_and_media_is_whole(hostile_reel):
    manifest = json.loads((hostile_reel / "manifest.json").read_text())
    assert len(manifest["reels"]) == 1
    reel = manifest["reels"][0]
    assert "HYPERLINK" in reel["product"]["name"] and "{" in reel["product"]["name"]  # kept as data, unchanged
    assert probe_ok(hostile_reel / reel["file"]) > 2


def test_ass_has_no_override_from_the_input(hostile_reel):
    ass = next((hostile_reel / "work").glob("*.ass")).read_text(encoding="utf-8")
    events = ass.split("[Events]", 1)[1].strip().splitlines()
    assert all(line.startswith(("Format:", "Dialogue:")) for line in events), "a line break escaped into the ASS file"
    blocks = re.findall(r"\{[^}]*\}", ass)
    assert blocks, "the builder's own highlight tags are expected"
    for block in blocks:
        assert not re.search(r"\\pos\(1,1\)|\\fs200|\\an8|c&H0000FF&", block), block
    assert r"\pos(1,1)" not in ass and "\\fs200" not in ass  # the input's tags appear only broken (escaped)
    body = "\n".join(events)
    assert "HYPERLINK" in body or "SUM(A1)" in body, "the hostile text is shown (escaped), not dropped"
    dialogue_text = [line.split(",", 9)[9] for line in events if line.startswith("Dialogue:")]
    for text in dialogue_text:  # only the builder's line breaks: \N after a word, never one from the input
        assert "\\N\\h" not in text


def test_csv_cells_cannot_start_a_formula(hostile_reel):
    for path in hostile_reel.rglob("*.csv"):
        for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))):
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (path.name, cell)


def test_html_has_no_live_markup_from_the_input(hostile_reel):
    html = (hostile_reel / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x onerror=alert(2)>" not in html
    assert "-evil' [in]" not in html or "&#x27;" in html or "\\u0027" in html


HOSTILE_TEXTS = [HOSTILE, HOSTILE_FILE, "'", "\\", ":", "a'b\\'c:d", "[out]", "x;y", "%{eif:1:d}", "\n", ASS_OVERRIDE]


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_filter_graph_never_contains_untrusted_text(text):
    """The render graph is the same whatever the product name and file name: untrusted text never enters it
    (the input path is an -i argument, the title a -metadata argument, captions a fixed file name)."""
    plan = MomentPlan.model_validate_json((good_run() / "work" / "reframe.json").read_text() and
                                          json.dumps(json.loads((good_run() / "work" / "reframe.json").read_text())["artifact"]))
    info = MediaInfo.model_validate(json.loads((good_run() / "work" / "probe.json").read_text())["artifact"])
    preset = Preset.model_validate({"render": {"width_px": 270, "height_px": 480}})
    moment = plan.moments[0]

    def graph(name: str, path: str) -> tuple[str, list[str]]:
        m = moment.model_copy(update={"product_name": name})
        i = info.model_copy(update={"path": path})
        args = render.build_render_args(i, m, preset, ass_name="reel-1.ass", loudness=None, output="out.mp4")
        return args[args.index("-filter_complex") + 1], args

    benign, _ = graph("Velvet Glow Serum", "/rec/clip.mp4")
    hostile, args = graph(text, f"/rec/{text}.mp4")
    assert hostile == benign
    assert args[args.index("-i") + 1] == str(Path(f"/rec/{text}.mp4").resolve())  # one argv element, no shell


def test_graph_options_survive_hostile_values(tmp_path):
    """Filter options built by media.graphs: a hostile value stays one option value (no extra filter runs)."""
    from reelcart.media import graphs

    out = tmp_path / "f.txt"
    for text in ["plain", "a'b", "c:d", "x,negate", "[v];[v]negate", "e\\f", "%{pts}", "g;h=i"]:
        # the metadata filter writes the key/value it was given; an injected filter would change the graph
        source = graphs.source("color=c=black:s=16x16:d=0.04", f="lavfi")
        tagged = graphs.chain(source.video, ("metadata", {"mode": "add", "key": "k", "value": text}),
                              ("metadata", {"mode": "print", "file": out.name}))
        graphs.run(graphs.null_output([tagged]), what="escape test", cwd=tmp_path)
        printed = out.read_text(encoding="utf-8", errors="replace")
        assert f"k={text}" in printed, (text, printed)


def test_positional_filter_values_must_be_plain():
    from reelcart.media import graphs

    with pytest.raises(ValueError, match="named option"):
        graphs.node(graphs.source("x.mp4").video, "drawtext", "text='a:b'")
