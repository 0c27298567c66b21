"""Two-pass EBU R128 loudness: an audio-only pass measures the reel's audio (its segments, crossfaded), the render pass applies the gain.

The filters are ffmpeg-python specs for ``graphs.chain``: ``(name, *plain_args, {options})``.
"""

from __future__ import annotations

import re
from pathlib import Path

from ...errors import MediaError
from ...media import graphs
from ...models import MediaInfo, Moment
from .segments import reel_audio

LIMITER_MARGIN_DB = 0.7  # sample-peak ceiling below the true-peak target (inter-sample and AAC overshoot)
LIMIT_CANDIDATES_DB = (0.0, 2.0, 4.0, 6.0, 9.0)  # extra gain tried in front of the limiter


def audio_prep(config) -> list[tuple]:  # noqa: ANN001 - RenderConfig
    """Resample on timestamps (sync for variable-rate sources) to the output rate and channel layout.

    Loudness is measured after this step, so a mono or 5.1 source is measured as the stereo
    the reel will carry (a mono track copied to two channels reads 3 LU louder)."""
    return [
        ("aresample", config.audio_rate_hz, {"async": 1, "first_pts": 0}),
        ("aformat", {"sample_rates": config.audio_rate_hz, "channel_layouts": "stereo"}),
    ]


def loudnorm_filter(config, measured: dict[str, str] | None) -> tuple:  # noqa: ANN001 - RenderConfig
    options = {"I": f"{config.loudness_lufs:g}", "TP": f"{config.true_peak_dbtp:g}", "LRA": f"{config.loudness_range_lu:g}"}
    if measured:
        options.update(measured_I=measured["input_i"], measured_TP=measured["input_tp"], measured_LRA=measured["input_lra"],
                       measured_thresh=measured["input_thresh"], offset=measured["target_offset"], linear="true")
    return ("loudnorm", options)


def limiter_filter(config) -> tuple:  # noqa: ANN001 - RenderConfig
    limit = 10 ** ((config.true_peak_dbtp - LIMITER_MARGIN_DB) / 20)
    return ("alimiter", {"limit": f"{limit:.4f}", "attack": 2, "release": 80, "level": 0, "latency": 1})


def loudness_filters(config, measured: dict[str, str]) -> list[tuple]:  # noqa: ANN001 - RenderConfig
    """Second pass of the two-pass normalisation: the gain that brings the measured integrated
    loudness to the target and, when that gain would push peaks past the ceiling, a look-ahead
    limiter (latency compensated, so sync is kept) with the gain measured to land on the target
    after limiting (``gain_db`` from ``measure_loudness``)."""
    try:
        gain = float(measured.get("gain_db") or (config.loudness_lufs - float(measured["input_i"])))
        peak = float(measured["input_tp"])
    except (KeyError, ValueError):
        return [loudnorm_filter(config, measured)]
    chain = [("volume", f"{gain:.2f}dB")]
    if measured.get("limited") == "1" or peak + gain > config.true_peak_dbtp:
        chain.append(limiter_filter(config))
    return chain


def _limited_gain(info: MediaInfo, moment: Moment, config, duration: float, base_gain: float) -> float:  # noqa: ANN001
    """Gain in front of the limiter that lands on the target: one audio-only pass tries a few
    gains side by side (asplit) and interpolates their integrated loudness."""
    gains = [base_gain + extra for extra in LIMIT_CANDIDATES_DB]
    prepped = graphs.chain(reel_audio(info, moment, duration), *audio_prep(config))
    branches = graphs.split(prepped, len(gains), audio=True)
    outputs = [
        graphs.null_output([graphs.chain(branch, ("volume", f"{g:.2f}dB"), limiter_filter(config), (f"ebur128@g{i}",))])
        for i, (branch, g) in enumerate(zip(branches, gains))
    ]
    stderr = graphs.run(*outputs, what="loudness measurement (limited)", path=info.path)
    found = {int(name[len("ebur128@g"):]): values[0] for name, values in _ebur128_summaries(stderr).items()
             if name.startswith("ebur128@g")}
    points = sorted((gains[i], found[i]) for i in found)
    if len(points) < 2:
        return base_gain
    target = config.loudness_lufs
    for (g0, l0), (g1, l1) in zip(points, points[1:]):
        if l0 <= target <= l1 and l1 > l0:
            return g0 + (target - l0) * (g1 - g0) / (l1 - l0)
    return points[-1][0] if points[-1][1] < target else points[0][0]


def _ebur128_summaries(stderr: str) -> dict[str, tuple[float, float | None]]:
    """{instance name: (integrated LUFS, true peak dBTP or None)} from ebur128 summaries in a log."""
    out = {}
    pattern = r"\[(ebur128@\w+|Parsed_ebur128_\d+) @ [^\]]+\] Summary:(.*?)(?=\n\[|\Z)"
    for m in re.finditer(pattern, stderr, re.S):
        i = re.search(r"I:\s*(-?[\d.]+|-inf)\s*LUFS", m.group(2))
        tp = re.search(r"Peak:\s*(-?[\d.]+|-inf)\s*dBFS", m.group(2))
        if i:
            out[m.group(1)] = (float(i.group(1)), float(tp.group(1)) if tp else None)
    return out


def measure_loudness(info: MediaInfo, moment: Moment, config, duration_s: float | None = None) -> dict[str, str] | None:  # noqa: ANN001
    """First pass (audio only): the segment's integrated loudness and true peak, as the stereo
    48 kHz the reel will carry, and the gain to apply. None for silence or no audio."""
    if not info.has_audio:
        return None
    duration = moment.duration_s if duration_s is None else duration_s
    metered = graphs.chain(reel_audio(info, moment, duration), *audio_prep(config), ("ebur128@src", {"peak": "true"}))
    stderr = graphs.run(graphs.null_output([metered]), what="loudness measurement", path=info.path)
    summary = _ebur128_summaries(stderr).get("ebur128@src")
    if summary is None or summary[0] < -70:
        return None  # silence (or nothing measured): nothing to normalise
    integrated, peak = summary
    peak = peak if peak is not None else 0.0
    gain = config.loudness_lufs - integrated
    values = {"input_i": f"{integrated:.2f}", "input_tp": f"{peak:.2f}"}
    values["limited"] = "1" if peak + gain > config.true_peak_dbtp else "0"
    if values["limited"] == "1":
        gain = _limited_gain(info, moment, config, duration, gain)
    values["gain_db"] = f"{gain:.2f}"
    return values


def measure_output_loudness(path: Path) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) of a finished file, with ffmpeg's ebur128 meter."""
    metered = graphs.node(graphs.source(path)["a:0"], "ebur128@out", peak="true")
    stderr = graphs.run(graphs.null_output([metered]), what="loudness check", path=path)
    summary = _ebur128_summaries(stderr).get("ebur128@out")
    if summary is None:
        raise MediaError("loudness check: no ebur128 summary", path=path)
    return summary[0], summary[1] if summary[1] is not None else float("nan")
