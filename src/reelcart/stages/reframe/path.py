"""The window's path as data: outliers dropped, smoothed, speed-capped, simplified to keyframes, and written as the time expression the crop filter evaluates."""

from __future__ import annotations

import math

import numpy as np

from ...models import CropKeyframe

# ------------------------------------------------------------------------------------ path smoothing


def hampel(values: np.ndarray, half_window: int = 3, n_sigmas: float = 3.0, min_dev: float = 0.0) -> np.ndarray:
    """Replace outliers (farther than ``n_sigmas`` robust deviations from the local median) by NaN."""
    out = values.copy()
    n = len(values)
    for i in range(n):
        window = values[max(0, i - half_window): i + half_window + 1]
        window = window[~np.isnan(window)]
        if len(window) < 3 or np.isnan(values[i]):
            continue
        med = np.median(window)
        mad = 1.4826 * np.median(np.abs(window - med))
        if abs(values[i] - med) > max(n_sigmas * mad, min_dev):
            out[i] = np.nan
    return out


def fill_gaps(times: np.ndarray, values: np.ndarray, default: float) -> np.ndarray:
    known = ~np.isnan(values)
    if not known.any():
        return np.full(len(values), default)
    return np.interp(times, times[known], values[known])


def whittaker(values: np.ndarray, lam: float) -> np.ndarray:
    """Whittaker-Henderson smoother: argmin Σ(z - y)² + λ Σ(Δ²z)² (zero phase, no lag)."""
    n = len(values)
    if n < 3 or lam <= 0:
        return values.copy()
    # (I + λ DᵀD) is symmetric pentadiagonal: build its bands and solve by banded LDLᵀ in O(n)
    c = (1.0, -2.0, 1.0)
    a0, a1, a2 = np.ones(n), np.zeros(n), np.zeros(n)  # A[i,i], A[i,i-1], A[i,i-2]
    for j in range(3):
        a0[j: n - 2 + j] += lam * c[j] * c[j]
    for j in range(2):
        a1[j + 1: n - 1 + j] += lam * c[j] * c[j + 1]
    a2[2:] += lam * c[0] * c[2]
    d, l1, l2 = np.zeros(n), np.zeros(n), np.zeros(n)
    for i in range(n):
        if i >= 2:
            l2[i] = a2[i] / d[i - 2]
        if i >= 1:
            l1[i] = (a1[i] - (l2[i] * l1[i - 1] * d[i - 2] if i >= 2 else 0.0)) / d[i - 1]
        d[i] = a0[i] - l1[i] ** 2 * (d[i - 1] if i >= 1 else 0.0) - l2[i] ** 2 * (d[i - 2] if i >= 2 else 0.0)
    z = np.array(values, dtype=float)
    for i in range(1, n):
        z[i] -= l1[i] * z[i - 1] + (l2[i] * z[i - 2] if i >= 2 else 0.0)
    x = z / d
    for i in range(n - 2, -1, -1):
        x[i] -= l1[i + 1] * x[i + 1] + (l2[i + 2] * x[i + 2] if i + 2 < n else 0.0)
    return x


def whittaker_lambda(sample_dt: float, period_s: float) -> float:
    """λ whose cut-off (half gain) is at ``period_s`` for samples ``sample_dt`` apart."""
    return 1.0 / (2 * math.sin(math.pi * min(0.5, sample_dt / period_s))) ** 4


def dead_band(values: np.ndarray, band: float) -> np.ndarray:
    """Hold still while the target stays within ``band`` of the window; then follow at that distance."""
    out = values.copy()
    for i in range(1, len(values)):
        delta = values[i] - out[i - 1]
        out[i] = out[i - 1] if abs(delta) <= band else values[i] - math.copysign(band, delta)
    return out


def _follow(target: np.ndarray, v_max: float, a_max: float) -> np.ndarray:
    """Follow ``target`` (one sample per frame) with |velocity| ≤ v_max and |acceleration| ≤ a_max.

    The wanted velocity is the target's own (feed-forward) plus a correction of the error, linear
    near the target (no chatter) and limited far from it to what can still brake in time."""
    out = np.empty_like(target)
    out[0] = target[0]
    v = max(-v_max, min(v_max, float(target[1] - target[0]))) if len(target) > 1 else 0.0
    for i in range(1, len(target)):
        error = target[i - 1] - out[i - 1]
        correction = math.copysign(min(abs(error) * 0.35, math.sqrt(2 * a_max * abs(error))), error)
        wanted = (target[i] - target[i - 1]) + correction
        v = max(-v_max, min(v_max, v + max(-a_max, min(a_max, wanted - v))))
        out[i] = out[i - 1] + v
    return out


def limit_motion(path: np.ndarray, v_max: float, a_max: float) -> np.ndarray:
    """Cap speed and acceleration without lag: the mean of a forward and a backward capped follower
    (both satisfy the caps; the caps are convex, so their mean does too; their lags cancel)."""
    if len(path) < 3:
        return path.copy()
    forward = _follow(path, v_max, a_max)
    backward = _follow(path[::-1], v_max, a_max)[::-1]
    return (forward + backward) / 2


# ------------------------------------------------------------------------------------ keyframes


def simplify(times: np.ndarray, values: np.ndarray, tolerance: float) -> list[int]:
    """Indices kept by Ramer-Douglas-Peucker on a time series (max vertical error ≤ tolerance)."""
    keep = {0, len(values) - 1}
    stack = [(0, len(values) - 1)]
    while stack:
        a, b = stack.pop()
        if b - a < 2:
            continue
        seg_t = times[a + 1: b]
        line = values[a] + (values[b] - values[a]) * (seg_t - times[a]) / (times[b] - times[a])
        err = np.abs(values[a + 1: b] - line)
        k = int(np.argmax(err))
        if err[k] > tolerance:
            mid = a + 1 + k
            keep.add(mid)
            stack += [(a, mid), (mid, b)]
    return sorted(keep)


# ------------------------------------------------------------------------------------ rendering


def _num(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def path_expression(keys: list[CropKeyframe], axis: str = "x") -> str:
    """ffmpeg expression of the window position at time ``t`` (seconds from the reel start).

    Linear between keyframes, a step where two keyframes share a time (a cut). Written as a sum,
    ``p0 + Σ slope·clip(t-tᵢ, 0, Δᵢ) + Σ jump·gte(t, tᵢ)``, grouped as a balanced tree, so long reels
    give a long but shallow expression: ffmpeg's evaluator rejects chains deeper than about 60
    (a nested ``if`` per keyframe, or a flat sum, fails past ~50 keyframes). Constant positions give a number."""
    values = [k.x_px if axis == "x" else k.y_px for k in keys]
    if not keys:
        return "0"
    terms = [f"+{values[0]}"]
    for a, b, va, vb in zip(keys, keys[1:], values, values[1:]):
        delta = vb - va
        if delta == 0:
            continue
        span = b.t_s - a.t_s
        if span <= 1e-6:
            terms.append(f"{'+' if delta > 0 else '-'}{abs(delta)}*gte(t,{_num(a.t_s)})")
        else:
            slope = delta / span
            terms.append(f"{'+' if slope > 0 else '-'}{_num(abs(slope))}*clip(t-{_num(a.t_s)},0,{_num(span)})")
    return _balanced_sum(terms)


def _balanced_sum(terms: list[str], group: int = 16) -> str:
    """``t1+t2+…`` as a balanced tree of parenthesised groups: ffmpeg's expression evaluator refuses
    a chain deeper than about 60 operations, so a flat sum of hundreds of keyframes would fail."""
    if len(terms) <= group:
        return "".join(terms).removeprefix("+")
    half = len(terms) // 2
    return f"({_balanced_sum(terms[:half], group)})+({_balanced_sum(terms[half:], group)})"


def evaluate_path(keys: list[CropKeyframe], t_s: np.ndarray | float, axis: str = "x") -> np.ndarray:
    """The window position the render pass uses at times ``t_s`` (same semantics as ``path_expression``)."""
    t = np.atleast_1d(np.asarray(t_s, dtype=float))
    values = [k.x_px if axis == "x" else k.y_px for k in keys]
    out = np.full(t.shape, float(values[0]))
    for a, b, va, vb in zip(keys, keys[1:], values, values[1:]):
        span = b.t_s - a.t_s
        if span <= 1e-6:
            out += (vb - va) * (t >= a.t_s)
        else:
            out += (vb - va) / span * np.clip(t - a.t_s, 0, span)
    return out
