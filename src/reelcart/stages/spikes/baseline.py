"""The robust rolling baseline of one order series, and which windows stand out above it.

The baseline is a centred rolling median over ``baseline_window_s``, floored by the series' local
mean rate in its quiet stretches (counts are whole numbers: the median of a slow SKU is 0); the
noise scale is the larger of the Poisson scale and 1.4826·MAD of the window sums that lie wholly
in quiet bins. A window stands out when it beats the baseline by ``min_z`` scales and by
``min_orders`` orders, and its count is unlikely under Poisson with the rate of the quiet bins
around it (at least PRIOR_ORDERS seen there, so the first minutes of a stream, with no history,
keep chance clusters out). Baseline and scale are re-estimated with the bursts set aside.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ...config import SpikesConfig

WINDOWS = ((60.0, 0.0), (120.0, 0.5))  # burst windows (s) and the extra z a longer one needs
POISSON_EXACT_MU = 200.0
PRIOR_ORDERS = 0.5  # orders the quiet bins around a window count at least (Jeffreys prior) in the tail check
LOCAL_FLOOR_SHARE = 0.5  # the local rate is never taken below this share of the overall quiet rate
ORDER_ROUNDING = 0.5  # min_orders counts whole orders above a fractional baseline
FAMILY_ALPHA = 0.05  # chance that pure noise makes a spike anywhere in the log
MIN_QUIET_BINS = 4  # fewer quiet windows than this: the Poisson scale alone
MAX_PASSES = 4  # baseline re-estimates, each setting aside the bursts found so far


def rolling_median(values: np.ndarray, width: int) -> np.ndarray:
    """Centred rolling median; near the edges the window shrinks (no mirrored data is invented)."""
    n = len(values)
    values = values.astype(np.float64)
    width = max(1, min(width, 2 * n - 1))
    if width % 2 == 0:
        width += 1
    pad = width // 2
    if pad >= n - 1:  # every window holds the whole series
        return np.full(n, float(np.median(values)) if n else 0.0)
    out = np.empty(n)
    if n >= width:
        out[pad : n - pad] = np.median(sliding_window_view(values, width), axis=1)
    for i in [*range(0, min(pad, n)), *range(max(pad, n - pad), n)]:
        out[i] = np.median(values[max(0, i - pad) : i + pad + 1])
    return out


def short_log_median(values: np.ndarray, quiet: np.ndarray, width: int) -> np.ndarray:
    """Centred rolling median; in a recording shorter than the window (every window holds all of
    it, and no history around its bursts), the median of its quiet bins, so bursts that fill much
    of it (and their tails) do not lift their own baseline. In longer logs bursts cannot move it."""
    if len(values) >= width or quiet.all() or not quiet.any():
        return rolling_median(values, width)
    return np.full(len(values), float(np.median(values[quiet])))


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Inclusive (start, end) index pairs of True runs."""
    runs: list[tuple[int, int]] = []
    start = None
    for i, flag in enumerate(mask):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            runs.append((start, i - 1))
            start = None
    if start is not None:
        runs.append((start, len(mask) - 1))
    return runs


def _window_sums(values: np.ndarray, width: int) -> np.ndarray:
    """sums[i] = values[i : i + width] summed (the burst that starts at bin i)."""
    return np.convolve(values, np.ones(width)[::-1], mode="full")[width - 1 :][: len(values)]


def _centred_sums(values: np.ndarray, width: int) -> np.ndarray:
    """sums[i] = values[i - width // 2 : i + width // 2 + 1] summed, the window clipped at the edges."""
    half = width // 2
    cum = np.concatenate([[0.0], np.cumsum(values)])
    idx = np.arange(len(values))
    return cum[np.minimum(len(values), idx + half + 1)] - cum[np.maximum(0, idx - half)]


def _covered(starts: np.ndarray, width: int) -> np.ndarray:
    """Bins inside any window [i, i + width) whose start i is flagged, plus one bin either side."""
    inside = np.convolve(starts.astype(np.float64), np.ones(width), mode="full")[: len(starts)] > 0
    return inside | np.r_[inside[1:], False] | np.r_[False, inside[:-1]]


def required_z(config: SpikesConfig, n_bins: int, n_series: int) -> float:
    """min_z, raised for long logs of many SKUs so that pure chance (one tested window in tens of
    thousands crossing z = 4) does not make spikes: the z at which all windows of all series together
    cross by chance with probability FAMILY_ALPHA (normal approximation; sparse logs are held by
    min_orders instead)."""
    tests = max(1, n_bins * len(WINDOWS) * max(1, n_series))
    return max(config.min_z, NormalDist().inv_cdf(1.0 - FAMILY_ALPHA / tests))


def poisson_sf(k: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """P(X >= k) for X ~ Poisson(mu), elementwise; normal approximation above POISSON_EXACT_MU."""
    k = np.rint(np.asarray(k, dtype=np.float64)).astype(np.int64)
    mu = np.maximum(np.asarray(mu, dtype=np.float64), 1e-9)
    out = np.ones(len(k))
    big = mu > POISSON_EXACT_MU
    if big.any():
        zz = (k[big] - 0.5 - mu[big]) / np.sqrt(mu[big])
        out[big] = 0.5 * np.array([math.erfc(v / math.sqrt(2)) for v in zz])
    small = ~big & (k > 0)
    if small.any():
        j = np.arange(int(k[small].max()))
        log_fact = np.cumsum(np.r_[0.0, np.log(np.arange(1, len(j)))]) if len(j) else np.zeros(0)
        log_pmf = -mu[small, None] + j[None, :] * np.log(mu[small, None]) - log_fact[None, :]
        cdf = np.sum(np.exp(log_pmf) * (j[None, :] < k[small, None]), axis=1)
        out[small] = np.clip(1.0 - cdf, 0.0, 1.0)
    return out


def _scales(config: SpikesConfig) -> list[tuple[int, float]]:
    return sorted({(max(1, int(round(w / config.bin_s))), extra) for w, extra in WINDOWS})


@dataclass
class _Series:
    """One series' counts and what every test pass reuses."""

    counts: np.ndarray
    config: SpikesConfig
    min_z: float
    base_bins: int
    scales: list[tuple[int, float]]
    sums: dict[int, np.ndarray]
    median: np.ndarray


def _test(s: _Series, quiet: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Baseline, hot window starts and z with these bins taken as quiet."""
    n = len(s.counts)
    counts_f, config = s.counts, s.config
    # rate floor: the SKU's local mean rate in its quiet bins (low counts, where the median is a
    # whole number such as 0), else its mean over all quiet bins
    typical = float(np.mean(counts_f[quiet])) if quiet.any() else 0.0
    weight = _centred_sums(quiet.astype(np.float64), s.base_bins)
    local = _centred_sums(np.where(quiet, counts_f, 0.0), s.base_bins)
    mean = np.where(weight >= min(s.base_bins, n) / 4, local / np.maximum(weight, 1e-9), typical)
    floor = np.maximum(mean, LOCAL_FLOOR_SHARE * typical)  # a dry spell nearby is no zero rate
    baseline = np.maximum(short_log_median(counts_f, quiet, s.base_bins), floor)
    hot = np.zeros(n, dtype=bool)
    zmax = np.full(n, -np.inf)
    for width, extra_z in s.scales:
        expected = _window_sums(baseline, width)
        excess = s.sums[width] - expected
        # the noise of windows that lie wholly in quiet bins (in a short recording most windows reach
        # into a burst, and their spread would hide it)
        whole = _window_sums(quiet.astype(np.float64), width) >= min(width, n) - 0.5
        spread = excess[whole & quiet]
        mad = float(np.median(np.abs(spread - np.median(spread)))) if len(spread) >= MIN_QUIET_BINS else 0.0
        z = excess / np.maximum(np.sqrt(expected + 1.0), 1.4826 * mad)
        candidate = (z >= s.min_z + extra_z) & (excess >= config.min_orders - ORDER_ROUNDING)
        if candidate.any():
            # low counts have heavier tails than the normal: check the Poisson tail too, with the rate
            # of the quiet bins around taken as at least PRIOR_ORDERS over them (few bins in the first
            # minutes of a stream: a quiet start is no zero rate)
            floor_mu = PRIOR_ORDERS * width / np.maximum(weight[candidate], 1.0)
            tail = poisson_sf(s.sums[width][candidate], np.maximum(expected[candidate], floor_mu))
            candidate[candidate] = tail <= 0.5 * math.erfc((s.min_z + extra_z) / math.sqrt(2))
        hot |= candidate
        zmax = np.maximum(zmax, z - extra_z)
    return baseline, hot, zmax


def _first_quiet(s: _Series, enough: float) -> tuple[np.ndarray, np.ndarray]:
    """(busy, quiet) bins before any test. Quiet: away from windows that beat the reference by
    min_orders at any scale; if that leaves too little, at one minute only; else (bursts everywhere,
    or a short recording filled with bursts) the bins within Poisson reach of the lower quartile. The reference: the rolling median, or where counts are too low for a median
    (0 for a slow SKU) the mean rate around the window with the window itself left out."""
    n = len(s.counts)
    local_sum = _centred_sums(s.counts, s.base_bins)
    local_bins = _centred_sums(np.ones(n), s.base_bins)
    flagged = {}
    for w, _ in s.scales:
        centre = np.minimum(n - 1, np.arange(n) + w // 2)
        left_out = (local_sum[centre] - s.sums[w]) / np.maximum(1.0, local_bins[centre] - w)
        expected = np.maximum(_window_sums(s.median, w), left_out * w)
        flagged[w] = _covered(s.sums[w] - expected >= s.config.min_orders - ORDER_ROUNDING, w)
    any_flag = np.logical_or.reduce(list(flagged.values()))
    busy = np.zeros(n, dtype=bool)
    for option in (any_flag, flagged[s.scales[0][0]]):
        if (~option).sum() >= enough:
            busy = option
            break
    if busy.any():
        return busy, ~busy
    if not any_flag.any():
        return busy, np.ones(n, dtype=bool)  # nothing stands out anywhere: every bin is quiet
    low = float(np.quantile(s.counts, 0.25))
    return busy, s.counts <= low + 2 * math.sqrt(low + 1)


def analyse(counts: np.ndarray, config: SpikesConfig, min_z: float | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Baseline per bin, hot window starts and their z (the largest over the window scales)."""
    scales = _scales(config)
    base_bins = max(3, int(round(config.baseline_window_s / config.bin_s)))
    counts_f = counts.astype(np.float64)
    s = _Series(counts_f, config, config.min_z if min_z is None else min_z, base_bins, scales,
                {w: _window_sums(counts_f, w) for w, _ in scales}, rolling_median(counts, base_bins))
    widest = max(w for w, _ in scales)
    enough = max(scales[0][0], len(counts) * 0.15)
    busy, quiet = _first_quiet(s, enough)
    baseline, hot, z = _test(s, quiet)
    # re-estimate with the bursts found so far set aside, so long bursts in a short recording do
    # not inflate their own baseline and noise scale
    for _ in range(MAX_PASSES):
        grown = busy | _covered(hot, widest)
        if (grown == busy).all() or (~grown).sum() < enough:
            break
        added = grown & ~busy
        if counts_f[added].mean() < 2.0 * counts_f[~grown].mean() + 0.1:
            break  # what the last pass found is not much busier than the rest: no burst to set aside
        busy = grown
        baseline, hot, z = _test(s, ~busy)
    return baseline, hot, z
