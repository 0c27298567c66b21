"""Find order spikes per SKU and overall against a robust rolling baseline.

For each SKU, orders are counted in ``bin_s`` bins (orders, not units: one bulk order is one
order). The baseline is a centred rolling median over ``baseline_window_s``, floored by the SKU's
local mean rate in its quiet stretches (counts are whole numbers: the median of a slow SKU is 0); the noise scale is the larger of the Poisson scale and
1.4826·MAD of the window sums there. A spike is a run of bins whose next-minute order sum (or
next-two-minute sum, at ``min_z + 0.5``: slow bursts in sparse logs) exceeds the baseline by
``min_z`` scales (raised for long logs of many SKUs, see :func:`required_z`) and by ``min_orders``
orders; it starts at the first bin that stands out on its own. Baseline and scale are
re-estimated with the bursts found so far set aside.

The same test runs on all orders together. An overall spike that no SKU spike overlaps (many
SKUs each a little busier) is credited to the SKU that carries ``attribute_min_share`` of its
extra orders, or kept as a store-wide burst (a flash sale) that no single pitch explains.
"""

from __future__ import annotations

import math
from datetime import datetime
from statistics import NormalDist

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..config import SpikesConfig
from ..models import SkuTimeline, Spike, SpikeReport
from ..inputs.orders import OrderTable

STAGE = "spikes"
VERSION = 3
WINDOWS = ((60.0, 0.0), (120.0, 0.5))  # burst windows (s) and the extra z a longer one needs
TIMELINE_BIN_S = 60.0
ONSET_BIN_Z = 2.0  # a burst's first bin stands this far above the baseline (bin z)
ONSET_PEAK_SHARE = 0.2  # ... and holds at least this share of the peak bin's extra orders
POISSON_EXACT_MU = 200.0
LOCAL_FLOOR_SHARE = 0.5  # the local rate is never taken below this share of the overall quiet rate
ORDER_ROUNDING = 0.5  # min_orders counts whole orders above a fractional baseline
FAMILY_ALPHA = 0.05  # chance that pure noise makes a spike anywhere in the log
MIN_QUIET_BINS = 4  # fewer quiet bins than this: the Poisson scale alone
MAX_PASSES = 4
STOREWIDE_MIN_EXTRA = 2.0  # extra orders that make a product part of a store-wide burst
STOREWIDE_WINDOW_S = 60.0  # ... counted in this window after an onset
QUIET_END_S = 30.0  # a burst is over after this long without extra orders  # baseline re-estimates, each setting aside the bursts found so far


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


def analyse(counts: np.ndarray, config: SpikesConfig, min_z: float | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Baseline per bin, hot window starts and their z (the largest over the window scales)."""
    n = len(counts)
    min_z = config.min_z if min_z is None else min_z
    base_bins = max(3, int(round(config.baseline_window_s / config.bin_s)))
    scales = _scales(config)
    burst_bins = scales[0][0]
    widest = max(w for w, _ in scales)
    counts_f = counts.astype(np.float64)
    sums = {w: _window_sums(counts_f, w) for w, _ in scales}
    median = rolling_median(counts, base_bins)

    def test(quiet: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # rate floor: the SKU's local mean rate in its quiet bins (low counts, where the median is a
        # whole number such as 0), else its mean over all quiet bins
        typical = float(np.mean(counts_f[quiet])) if quiet.any() else 0.0
        weight = _centred_sums(quiet.astype(np.float64), base_bins)
        local = _centred_sums(np.where(quiet, counts_f, 0.0), base_bins)
        mean = np.where(weight >= min(base_bins, n) / 4, local / np.maximum(weight, 1e-9), typical)
        floor = np.maximum(mean, LOCAL_FLOOR_SHARE * typical)  # a dry spell nearby is no zero rate
        baseline = np.maximum(median, floor)
        hot = np.zeros(n, dtype=bool)
        zmax = np.full(n, -np.inf)
        for width, extra_z in scales:
            expected = _window_sums(baseline, width)
            excess = sums[width] - expected
            spread = excess[quiet]
            mad = float(np.median(np.abs(spread - np.median(spread)))) if len(spread) >= MIN_QUIET_BINS else 0.0
            z = excess / np.maximum(np.sqrt(expected + 1.0), 1.4826 * mad)
            candidate = (z >= min_z + extra_z) & (excess >= config.min_orders - ORDER_ROUNDING)
            if candidate.any():  # low counts have heavier tails than the normal: check the Poisson tail too
                tail = poisson_sf(sums[width][candidate], expected[candidate])
                candidate[candidate] = tail <= 0.5 * math.erfc((min_z + extra_z) / math.sqrt(2))
            hot |= candidate
            zmax = np.maximum(zmax, z - extra_z)
        return baseline, hot, zmax

    # quiet bins: away from windows that beat the rolling median by min_orders at any scale; if that
    # leaves too little (long bursts filling a short recording), at one minute only; else all but
    # the busiest fifth (dense logs, where such windows are everywhere)
    enough = max(burst_bins, n * 0.15)
    # the reference: the rolling median, or where counts are too low for a median (whole numbers:
    # 0 for a slow SKU) the mean rate around the window with the window itself left out - so only
    # windows clearly above the rate around them count
    local_sum = _centred_sums(counts_f, base_bins)
    local_bins = _centred_sums(np.ones(n), base_bins)
    flagged = {}
    for w, _ in scales:
        centre = np.minimum(n - 1, np.arange(n) + w // 2)
        left_out = (local_sum[centre] - sums[w]) / np.maximum(1.0, local_bins[centre] - w)
        expected = np.maximum(_window_sums(median, w), left_out * w)
        flagged[w] = _covered(sums[w] - expected >= config.min_orders - ORDER_ROUNDING, w)
    busy = np.zeros(n, dtype=bool)
    for option in (np.logical_or.reduce(list(flagged.values())), flagged[burst_bins]):
        if (~option).sum() >= enough:
            busy = option
            break
    quiet = ~busy if busy.any() else counts_f <= np.quantile(counts_f, 0.8)
    if not busy.any() and (~np.logical_or.reduce(list(flagged.values()))).all():
        quiet = np.ones(n, dtype=bool)  # nothing stands out anywhere: every bin is quiet
    baseline, hot, z = test(quiet)
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
        baseline, hot, z = test(~busy)
    return baseline, hot, z


def detect_series(
    counts: np.ndarray, revenue: np.ndarray, *, sku: str, config: SpikesConfig, min_z: float | None = None
) -> list[Spike]:
    """Spikes in one SKU's per-bin order counts (``min_z`` overrides ``config.min_z``)."""
    n = len(counts)
    if n == 0 or counts.sum() < config.min_orders:
        return []
    scales = _scales(config)
    burst_bins = scales[0][0]
    widest = max(w for w, _ in scales)
    counts_f = counts.astype(np.float64)
    baseline, hot, z = analyse(counts, config, min_z)
    residual = counts_f - baseline
    bin_mad = float(np.median(np.abs(residual - np.median(residual))))
    bin_z = residual / np.maximum(np.sqrt(baseline + 1.0), 1.4826 * bin_mad)
    elevated = residual > 0.5 * np.sqrt(baseline + 1.0)
    # bursts: onset = first bin of a hot run that stands out on its own; end = before the first
    # QUIET_END_S without extra orders; bursts of one SKU closer than merge_gap_s are one burst
    bursts: list[list[int]] = []  # [onset, end, first, last]
    for first, last in _runs(hot):
        stop = min(n, last + widest)
        onset_bin = _onset(residual, bin_z, first, stop, burst_bins)
        end_bin = onset_bin
        for k in range(onset_bin, stop):
            if elevated[k]:
                end_bin = k
            elif (k - end_bin) * config.bin_s >= QUIET_END_S and k > last:
                break
        if bursts and (onset_bin - bursts[-1][1] - 1) * config.bin_s <= config.merge_gap_s:
            bursts[-1][1] = max(bursts[-1][1], end_bin)
            bursts[-1][3] = last
        else:
            bursts.append([onset_bin, end_bin, first, last])
    spikes: list[Spike] = []
    for onset_bin, end_bin, first, last in bursts:
        cuts = [_onset(residual, bin_z, k, min(end_bin + 1, k + burst_bins), burst_bins)
                for k in _second_onsets(counts_f, onset_bin, end_bin, burst_bins, config)]
        for a, b in zip([onset_bin, *cuts], [*(c - 1 for c in cuts), end_bin]):
            body = slice(a, b + 1)
            peak_bin = a + int(np.argmax(residual[body]))
            above_orders = max(0.0, float(np.sum(residual[body])))
            per_order = float(np.sum(revenue[body]) / max(1, np.sum(counts[body])))
            zone = z[max(first, a - widest) : max(a + 1, min(last, b) + 1)]
            spikes.append(
                Spike(
                    sku=sku,
                    onset_s=a * config.bin_s,
                    peak_s=peak_bin * config.bin_s,
                    end_s=(b + 1) * config.bin_s,
                    orders=int(np.sum(counts[body])),
                    orders_above_baseline=round(above_orders, 2),
                    revenue_above_baseline=round(above_orders * per_order, 2),
                    peak_z=round(float(np.max(zone)) if len(zone) else float(np.max(z[first : last + 1])), 2),
                )
            )
    return spikes


def _onset(residual: np.ndarray, bin_z: np.ndarray, first: int, stop: int, width: int) -> int:
    """The burst's first bin: the first one before its peak that stands out on its own (bin z) and
    carries a noticeable share of the peak (so a noise bin in a dense log does not count). In a
    sparse log where no bin stands out alone: the first order of the first minute (``width`` bins)
    that holds nearly as many orders as the busiest."""
    peak = first + int(np.argmax(residual[first:stop]))
    ok = (bin_z[first : peak + 1] >= ONSET_BIN_Z) & (residual[first : peak + 1] >= ONSET_PEAK_SHARE * residual[peak])
    standing = np.nonzero(ok)[0]
    if len(standing):
        return first + int(standing[0])
    minutes = _window_sums(np.maximum(residual[first:stop], 0), width)
    busiest = first + int(np.argmax(minutes >= 0.75 * minutes.max()))  # the first nearly-busiest minute
    rising = np.nonzero(residual[busiest:stop] > 0)[0]
    return busiest + int(rising[0]) if len(rising) else busiest


def _second_onsets(counts: np.ndarray, onset: int, end: int, width: int, config: SpikesConfig) -> list[int]:
    """Bins inside one burst where orders take off again after falling off: a second pitch of the
    same product while the first burst still trickles. Needs the previous minute to have dropped
    below half the burst's best minute, and the next minute to beat it by min_z and min_orders."""
    cuts: list[int] = []
    start = onset
    k = onset + width
    while k + 1 <= end:
        before = float(np.sum(counts[k - width : k]))
        after = float(np.sum(counts[k : k + width]))
        best = max(float(np.sum(counts[i : i + width])) for i in range(start, k - width + 1))
        jump = after - before
        if (before <= 0.5 * best and jump >= config.min_orders and jump / math.sqrt(before + 1.0) >= config.min_z
                and counts[k] > counts[k - 1]):
            cuts.append(k)
            start = k
            k += width
        else:
            k += 1
    return cuts


def bin_orders(table: OrderTable, sku: str | None, duration_s: float, bin_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Orders and revenue per bin for one SKU (``None``: all SKUs)."""
    n_bins = max(1, int(math.ceil(duration_s / bin_s)))
    if sku is None:
        mask = np.ones(len(table), dtype=bool)
    else:
        mask = table.mask(sku)
    idx = np.clip((table.t_s[mask] / bin_s).astype(np.int64), 0, n_bins - 1)
    counts = np.bincount(idx, minlength=n_bins)
    amounts = np.nan_to_num(table.amount[mask], nan=0.0)
    revenue = np.bincount(idx, weights=amounts, minlength=n_bins)
    return counts, revenue


def _overlaps(a: Spike, b: Spike) -> bool:
    return a.onset_s < b.end_s and b.onset_s < a.end_s


class _Shares:
    """Per-SKU orders above baseline inside a time window (for overall spikes)."""

    def __init__(self, table: OrderTable, duration_s: float, config: SpikesConfig) -> None:
        self.config = config
        self.n_bins = max(1, int(math.ceil(duration_s / config.bin_s)))
        self.series: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        for sku in table.skus:
            counts, rev = bin_orders(table, sku, duration_s, config.bin_s)
            self.series[sku] = (counts.astype(np.float64), rev, analyse(counts, config)[0])

    def __call__(self, spike: Spike) -> dict[str, tuple[float, int, float]]:
        """sku -> (orders above baseline, orders, revenue above baseline) in the spike's window."""
        return self.window(spike.onset_s, spike.end_s)

    def window(self, start_s: float, end_s: float) -> dict[str, tuple[float, int, float]]:
        first = max(0, int(start_s / self.config.bin_s))
        last = min(self.n_bins, int(math.ceil(end_s / self.config.bin_s)))
        out: dict[str, tuple[float, int, float]] = {}
        for sku, (counts, rev, baseline) in self.series.items():
            above = float(np.sum(np.maximum(counts[first:last] - baseline[first:last], 0)))
            if above > 0:
                n = int(np.sum(counts[first:last]))
                out[sku] = (above, n, float(np.sum(rev[first:last]) / max(1, n) * above))
        return out

    def together(self, at_s: float, sku: str | None) -> tuple[int, float, float]:
        """Around an onset: products with extra orders, the extra of the (storewide_min_skus-1)-th
        busiest other product, and this SKU's own extra."""
        extra = {k: e for k, (e, _, _) in self.window(at_s - self.config.bin_s, at_s + STOREWIDE_WINDOW_S).items()}
        busy = sum(1 for e in extra.values() if e >= STOREWIDE_MIN_EXTRA)
        others = sorted((e for k, e in extra.items() if k != sku), reverse=True)
        rank = self.config.storewide_min_skus - 1
        return busy, (others[rank - 1] if len(others) >= rank else 0.0), extra.get(sku or "", 0.0)


def attribute_overall(
    overall: list[Spike], sku_spikes: list[Spike], table: OrderTable, *, duration_s: float, config: SpikesConfig,
    shares: _Shares | None = None,
) -> list[Spike]:
    """SKU spikes credited from overall spikes that no SKU spike overlaps and one SKU dominates."""
    shares = shares or _Shares(table, duration_s, config)
    credited: list[Spike] = []
    for spike in overall:
        if spike.storewide_skus or any(_overlaps(spike, s) for s in sku_spikes):
            continue
        extra = shares(spike)
        total = sum(e for e, _, _ in extra.values())
        if not total:
            continue
        top = max(extra, key=lambda k: extra[k][0])
        above, orders, revenue = extra[top]
        if above / total >= config.attribute_min_share and above >= config.min_orders * 0.6:
            credited.append(spike.model_copy(update={
                "sku": top, "orders": orders, "orders_above_baseline": round(above, 2),
                "revenue_above_baseline": round(revenue, 2), "source": "overall",
            }))
    return credited


def is_storewide(shares: _Shares, spike: Spike, config: SpikesConfig) -> int:
    """Products in a store-wide burst (a flash sale) that this spike merely shares in; 0 if none.

    Around the spike's onset at least ``storewide_min_skus`` products gain orders together, and this
    SKU gained no more than about what the others did (a pitch that sold stands far above them)."""
    busy, typical, own = shares.together(spike.onset_s, None if spike.sku == "*" else spike.sku)
    if busy < config.storewide_min_skus or typical < STOREWIDE_MIN_EXTRA:
        return 0
    if spike.sku != "*" and own > 2 * typical + config.min_orders:
        return 0
    return busy


def find_spikes(
    table: OrderTable, *, duration_s: float, stream_start: datetime | None, config: SpikesConfig, clock_offset_s: float
) -> SpikeReport:
    spikes: list[Spike] = []
    timeline: list[SkuTimeline] = []
    n_bins = max(1, int(math.ceil(duration_s / config.bin_s)))
    sku_z = required_z(config, n_bins, len(table.skus))
    for sku in table.skus:
        counts, revenue = bin_orders(table, sku, duration_s, config.bin_s)
        spikes.extend(detect_series(counts, revenue, sku=sku, config=config, min_z=sku_z))
        minute_counts, _ = bin_orders(table, sku, duration_s, TIMELINE_BIN_S)
        timeline.append(SkuTimeline(sku=sku, counts=[int(c) for c in minute_counts]))
    overall: list[Spike] = []
    if config.overall and len(table):
        counts, revenue = bin_orders(table, None, duration_s, config.bin_s)
        found = detect_series(counts, revenue, sku="*", config=config, min_z=required_z(config, n_bins, 1))
        overall = [s.model_copy(update={"source": "overall"}) for s in found]
        shares = _Shares(table, duration_s, config)
        overall = [s.model_copy(update={"storewide_skus": is_storewide(shares, s, config)}) for s in overall]
        spikes = [s.model_copy(update={"storewide_skus": is_storewide(shares, s, config)}) for s in spikes]
        spikes.extend(attribute_overall(overall, spikes, table, duration_s=duration_s, config=config, shares=shares))
    spikes.sort(key=lambda s: s.onset_s)
    return SpikeReport(
        stream_start=stream_start,
        clock_offset_s=clock_offset_s,
        bin_s=config.bin_s,
        stats=table.stats,
        spikes=spikes,
        timeline=timeline,
        timeline_bin_s=TIMELINE_BIN_S,
        overall=overall,
    )
