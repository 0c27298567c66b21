from reelcart.config import MomentsConfig
from reelcart.models import Spike
from reelcart.stages.clock import estimate_offset

CFG = MomentsConfig()


def spike(sku: str, onset: float) -> Spike:
    return Spike(sku=sku, onset_s=onset, peak_s=onset, end_s=onset + 60, orders=20, orders_above_baseline=18,
                 revenue_above_baseline=100, peak_z=9)


def estimate(spikes, anchors, search_s=900.0):
    return estimate_offset(spikes, anchors, search_s=search_s, lookback_min_s=CFG.lookback_min_s,
                           lookback_max_s=CFG.lookback_max_s, bin_s=10.0)


# pitches end (their call to action) at these times; orders follow 20-70 s later on the true clock
ANCHORS = {"A": [(100.0, 1.0)], "B": [(400.0, 1.0)], "C": [(700.0, 1.0), (1500.0, 0.6)]}
LAGS = {"A": 20.0, "B": 70.0, "C": 45.0}


def test_offset_that_lines_spikes_up_with_pitches():
    shop_late = 300.0  # the shop clock runs five minutes ahead: every order looks 300 s later
    spikes = [spike(sku, ANCHORS[sku][0][0] + LAGS[sku] + shop_late) for sku in ("A", "B", "C")]
    found = estimate(spikes, ANCHORS)
    assert abs(found.offset_s + shop_late) <= found.uncertainty_s + 1
    assert found.uncertainty_s <= 60
    assert found.spikes_explained == 3 and found.confidence >= 0.6


def test_one_spike_proves_less_and_unpitched_spikes_do_not_count():
    one = estimate([spike("A", 100 + 20 - 240)], ANCHORS)
    three = estimate([spike(s, ANCHORS[s][0][0] + LAGS[s] - 240) for s in "ABC"], ANCHORS)
    assert one.confidence < three.confidence
    decoy = estimate([spike(s, ANCHORS[s][0][0] + LAGS[s] - 240) for s in "ABC"] + [spike("GIFT", 900)], ANCHORS)
    assert decoy.spikes_used == 3 and decoy.confidence == three.confidence


def test_no_pitched_product_means_no_estimate():
    found = estimate([spike("GIFT", 500)], ANCHORS)
    assert found.confidence == 0 and not found.applied and "no spike" in found.note


def test_two_equally_good_offsets_are_ambiguous():
    # one product pitched twice, 600 s apart, one spike: it fits after either pitch
    anchors = {"A": [(100.0, 1.0), (700.0, 1.0)]}
    found = estimate([spike("A", 400)], anchors)
    assert found.confidence == 0 and "2 separate offsets" in found.note
