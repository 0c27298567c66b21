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


# ---------------------------------------------------------------- harder logs

from reelcart.models import OrderStats  # noqa: E402
from reelcart.inputs.orders import OrderTable  # noqa: E402
from reelcart.stages.spikes import find_spikes  # noqa: E402


def table_of(times_by_sku: dict[str, list[float]]) -> OrderTable:
    rows = sorted((t, sku) for sku, times in times_by_sku.items() for t in times)
    return OrderTable.of(
        t_s=np.array([t for t, _ in rows]), sku=[s for _, s in rows], quantity=np.ones(len(rows), dtype=int),
        amount=np.full(len(rows), 10.0), stats=OrderStats(source="t", format="generic"),
    )


def burst(rng, start, n, scale):
    return list(start + rng.exponential(scale, n))


def test_per_sku_and_overall_with_a_store_wide_flash_sale():
    rng = np.random.default_rng(3)
    skus = [f"S{i}" for i in range(6)]
    times = {s: list(rng.uniform(0, 1800, 20)) for s in skus}  # steady background
    times["S0"] += burst(rng, 400, 30, 20)  # a pitch that sold
    for s in skus:  # a flash sale: every product a little busier at once
        times[s] += list(rng.uniform(1200, 1240, 4))
    report = find_spikes(table_of(times), duration_s=1800, stream_start=None, config=CFG, clock_offset_s=0)
    # the pitch's spike stands alone; the SKUs that the flash sale pushed over the bar are marked as store-wide
    assert [(s.sku, round(s.onset_s / 60), s.storewide_skus) for s in report.spikes if not s.storewide_skus] == [("S0", 7, 0)]
    assert all(round(s.onset_s / 60) == 20 for s in report.spikes if s.storewide_skus)
    assert [(round(s.onset_s / 60), s.storewide_skus) for s in report.overall] == [(7, 0), (20, 6)]
    assert report.spikes[0].orders_above_baseline >= 25 and report.spikes[0].revenue_above_baseline >= 250


def test_overall_spike_is_credited_to_the_sku_that_carries_it():
    from reelcart.stages.spikes import attribute_overall

    rng = np.random.default_rng(4)
    times = {"A": list(rng.uniform(0, 1800, 10)), "B": list(rng.uniform(0, 1800, 10))}
    times["A"] += list(rng.uniform(600, 650, 9))
    table = table_of(times)
    overall = [s for s in find_spikes(table, duration_s=1800, stream_start=None, config=CFG, clock_offset_s=0).overall]
    credited = attribute_overall(overall, [], table, duration_s=1800, config=CFG)
    assert [(s.sku, s.source) for s in credited] == [("A", "overall")]
    spread = {"A": list(rng.uniform(0, 1800, 10)), "B": list(rng.uniform(0, 1800, 10)), "C": list(rng.uniform(0, 1800, 10))}
    for s in spread:
        spread[s] += list(rng.uniform(600, 640, 4))
    table = table_of(spread)
    overall = find_spikes(table, duration_s=1800, stream_start=None, config=CFG, clock_offset_s=0).overall
    assert overall and attribute_overall(overall, [], table, duration_s=1800, config=CFG) == []


def test_two_pitches_of_one_product_whose_bursts_run_into_each_other():
    # the second burst starts while the first still trickles: two spikes, not one
    counts = np.array([0] * 16 + [11, 9, 7, 2, 5, 1, 2, 2, 2, 0, 0, 1, 1, 7, 5, 3, 5, 2, 4] + [0] * 12)
    spikes = detect_series(counts, counts * 1.0, sku="A", config=CFG)
    assert [s.onset_s for s in spikes] == [160.0, 290.0]


def test_long_bursts_fill_a_short_recording():
    # 7 minutes, two long bursts: each must still stand out against the quiet rest
    counts = np.array([0] * 10 + [1, 4, 2, 6, 0, 1, 2, 2, 0, 0, 1] + [0] * 13 + [7, 18, 4, 5, 3, 1, 3, 2, 2])
    spikes = detect_series(counts, counts * 1.0, sku="A", config=CFG)
    assert [s.onset_s for s in spikes] == [110.0, 340.0]
    assert spikes[1].peak_s == 350.0 and spikes[1].end_s == 430.0


def test_baseline_drift_with_a_burst_on_top():
    rng = np.random.default_rng(5)
    n = 360  # an hour
    rate = np.linspace(0.2, 3.0, n)  # orders per bin, rising fifteen-fold
    counts = rng.poisson(rate)
    counts[250:256] += [8, 10, 6, 5, 3, 2]
    spikes = detect_series(counts, counts * 1.0, sku="A", config=CFG)
    assert [s.onset_s for s in spikes] == [2500.0]


def test_slow_sparse_burst_is_found_by_the_two_minute_window():
    counts = np.zeros(60, dtype=int)
    counts[[3, 45]] = 1
    counts[20:32] = [1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 1]  # 8 orders over two minutes, never 5 in one
    spikes = detect_series(counts, counts * 1.0, sku="A", config=CFG)
    assert len(spikes) == 1 and spikes[0].onset_s == 200.0


def test_dense_table_thousands_per_minute_per_sku_and_overall():
    rng = np.random.default_rng(6)
    times = {s: list(rng.uniform(0, 900, 15000)) for s in ("A", "B")}  # 1000 orders a minute each
    times["B"] += burst(rng, 500, 2500, 15)
    report = find_spikes(table_of(times), duration_s=900, stream_start=None, config=CFG, clock_offset_s=0)
    assert [(s.sku, s.onset_s) for s in report.spikes] == [("B", 500.0)]
    assert 2000 <= report.spikes[0].orders_above_baseline <= 2600
    assert [s.onset_s for s in report.overall] == [500.0]


def test_an_hour_of_steady_dense_orders_over_many_skus_has_no_spikes():
    # 10 SKUs x 300 orders a minute for an hour: 7200 windows tested, none may cross by chance
    rng = np.random.default_rng(1)
    times = {f"S{i}": list(rng.uniform(0, 3600, 18000)) for i in range(10)}
    report = find_spikes(table_of(times), duration_s=3600, stream_start=None, config=CFG, clock_offset_s=0)
    assert report.spikes == [] and report.overall == []


def test_slow_skus_under_a_rising_trend_do_not_spike():
    # demand grows sixfold over 25 minutes; at ~0.5 orders a bin the median is a whole number and lags
    rng = np.random.default_rng(11)
    times = {}
    for i in range(8):
        t, out = 0.0, []
        while t < 1500:
            t += rng.exponential(60 / (0.5 * (1 + 5 * t / 1500)))
            out.append(t)
        times[f"S{i}"] = [x for x in out if x < 1500]
    report = find_spikes(table_of(times), duration_s=1500, stream_start=None, config=CFG, clock_offset_s=0)
    assert report.spikes == []


# ---------------------------------------------------------------- the first and last minutes


def test_bursts_in_the_first_and_last_minutes_of_a_short_recording_are_found():
    # a 4-minute stream: the first product pitched right after the greeting, the last one at the end;
    # there is no history before the first burst and no future after the last
    for seed in range(6):
        counts, revenue = series(duration_s=240, bursts=[(40, 42, 40), (170, 30, 40)], seed=seed)
        spikes = detect_series(counts, revenue, sku="A", config=CFG)
        assert [s.onset_s for s in spikes] == [40.0, 170.0], (seed, counts)
        assert all(s.orders_above_baseline >= 25 for s in spikes)
    for start_s in (0, 10, 200):
        counts, revenue = series(duration_s=240, bursts=[(start_s, 20, 30)], seed=3)
        (spike,) = detect_series(counts, revenue, sku="A", config=CFG)
        assert spike.onset_s == start_s


def test_two_products_with_early_and_late_bursts_both_spike():
    rng = np.random.default_rng(7)
    times = {"A": list(rng.uniform(0, 240, 2)) + list(39 + rng.exponential(12, 42)),
             "B": list(rng.uniform(0, 240, 2)) + list(185 + rng.exponential(10, 30).clip(0, 50))}
    report = find_spikes(table_of(times), duration_s=240, stream_start=None, config=CFG, clock_offset_s=0)
    assert sorted((s.sku, s.onset_s) for s in report.spikes if s.source == "sku") == [("A", 30.0), ("B", 180.0)]


def test_chance_clusters_at_the_edges_stay_out():
    rng = np.random.default_rng(11)
    chance = 0
    for _ in range(40):  # pure background in short recordings: (almost) never a spike at either edge
        for rate_per_min in (0.5, 2.0, 10.0):
            counts = rng.poisson(rate_per_min / 6, 24)
            chance += bool(detect_series(counts, counts * 1.0, sku="A", config=CFG))
    assert chance <= 2, chance  # of 120 recordings (each tested at every window, both scales)
    # under the floor: four orders in the first half minute are not min_orders above any baseline
    counts = np.zeros(24, dtype=int)
    counts[[0, 1, 2]] = [2, 1, 1]
    counts[[9, 15]] = 1
    assert detect_series(counts, counts * 1.0, sku="A", config=CFG) == []
    # the Poisson tail: at 30 orders a minute, 12 extra in the last minute is chance, 60 is a burst
    base = rng.poisson(5, 24)
    noisy = base.copy()
    noisy[-6:] += 2
    assert detect_series(noisy, noisy * 1.0, sku="A", config=CFG) == []
    loud = base.copy()
    loud[-6:] += 10
    assert [s.onset_s for s in detect_series(loud, loud * 1.0, sku="A", config=CFG)] == [180.0]
