import numpy as np

from reelcart.config import SpikesConfig
from reelcart.stages.spikes import detect_series

CFG = SpikesConfig()


def series(duration_s=1800, bin_s=10.0, rate_per_min=0.5, bursts=(), seed=1):
    rng = np.random.default_rng(seed)
    n = int(duration_s / bin_s)
    counts = rng.poisson(rate_per_min * bin_s / 60, n)
    for start_s, n_orders, length_s in bursts:
        first = int(start_s / bin_s)
        span = max(1, int(length_s / bin_s))
        counts[first : first + span] += rng.multinomial(n_orders, [1 / span] * span)
    return counts, counts * 20.0


def test_finds_bursts_with_onset_and_revenue():
    counts, revenue = series(bursts=[(300, 25, 50), (1200, 18, 40)])
    spikes = detect_series(counts, revenue, sku="A", config=CFG)
    assert [round(s.onset_s / 60) for s in spikes] == [5, 20]
    for s in spikes:
        assert s.orders_above_baseline >= 12
        assert s.revenue_above_baseline > 0


def test_background_alone_and_one_big_order_are_not_spikes():
    counts, revenue = series(rate_per_min=2)
    assert detect_series(counts, revenue, sku="A", config=CFG) == []
    counts[50] += 1  # one bulk order (its quantity does not matter: orders are counted)
    revenue[50] += 5000
    assert detect_series(counts, revenue, sku="A", config=CFG) == []


def test_slow_trend_is_not_a_spike():
    n = 180
    counts = np.round(np.linspace(0, 6, n)).astype(int)  # demand doubles slowly
    assert detect_series(counts, counts * 1.0, sku="A", config=CFG) == []


def test_dense_log_thousands_per_minute():
    counts, revenue = series(rate_per_min=3000, bursts=[(900, 6000, 60)])
    spikes = detect_series(counts, revenue, sku="A", config=CFG)
    assert len(spikes) == 1 and abs(spikes[0].onset_s - 900) <= 10


def test_sparse_log_few_dozen_orders():
    counts = np.zeros(360, dtype=int)
    counts[[20, 95, 140, 300]] = 1  # scattered background
    counts[200:205] = [3, 4, 2, 3, 1]  # the burst
    spikes = detect_series(counts, counts * 1.0, sku="A", config=CFG)
    assert len(spikes) == 1 and spikes[0].onset_s == 2000
