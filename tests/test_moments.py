from reelcart.config import MomentsConfig
from reelcart.models import OrderStats, Spike, SpikeReport
from reelcart.stages.moments import normalize_text, plan_moments, split_sentences

from .conftest import make_transcript

CFG = MomentsConfig()

SCRIPT = [
    (0.0, "Hello everyone and welcome to the show."),
    (5.0, "It is so good to see you all tonight."),
    (20.0, "First up is the Velvet Glow Serum."),
    (24.0, "This glow serum keeps your skin soft all day long."),
    (30.0, "I put the serum on every single morning before work."),
    (36.0, "It smells like fresh peaches and it never feels sticky."),
    (42.0, "Tap the orange cart below to grab yours."),
    (50.0, "Thanks Maria for joining us from Texas."),
    (62.0, "Next is the Bamboo Water Bottle."),
    (66.0, "The bamboo bottle keeps water cold for twenty four hours."),
    (72.0, "It fits in every cup holder and every bag I own."),
    (78.0, "The link is pinned at the top so grab it now."),
    (86.0, "For the next five minutes only comment below for a surprise."),
    (95.0, "Let us talk about the weather for a second."),
]


def report(*spikes: Spike) -> SpikeReport:
    return SpikeReport(stream_start=None, clock_offset_s=0, bin_s=10, stats=OrderStats(source="t", format="generic"), spikes=list(spikes))


def spike(sku: str, onset: float, above: float = 20) -> Spike:
    return Spike(sku=sku, onset_s=onset, peak_s=onset + 10, end_s=onset + 50, orders=int(above) + 2,
                 orders_above_baseline=above, revenue_above_baseline=above * 20, peak_z=8)


def test_sentences_split_on_punctuation_and_pauses():
    sentences = split_sentences(make_transcript(SCRIPT).words())
    assert len(sentences) == len(SCRIPT)
    assert sentences[2].text == "First up is the Velvet Glow Serum."
    assert normalize_text("Tap the CART, now!") == "tap the cart now"


def test_each_spike_maps_to_its_pitch_and_cta(catalog):
    plan = plan_moments(make_transcript(SCRIPT), report(spike("GLOW", 70), spike("BOTTLE", 110)), catalog, CFG, "x.mp4")
    assert [m.sku for m in plan.moments] == ["GLOW", "BOTTLE"]
    glow, bottle = plan.moments
    assert abs(glow.start_s - 20.0) < 0.5  # starts at the first sentence naming the product
    assert glow.cta_text == "Tap the orange cart below to grab yours."
    assert 42 < glow.end_s < 46  # ends after the CTA sentence, before the chit-chat
    assert abs(bottle.start_s - 62.0) < 0.5
    assert bottle.cta_text.startswith("The link is pinned")
    assert bottle.end_s < 86  # the live-only sentence after the CTA is not included
    assert glow.score.call_to_action == 1 and glow.score.sales_lift > 0.5
    assert [m.id for m in plan.moments] == ["reel-1", "reel-2"]
    assert plan.notes and "2 of 3" in plan.notes[0]


def test_decoy_spike_without_pitch_is_rejected(catalog):
    plan = plan_moments(make_transcript(SCRIPT), report(spike("GLOW", 70), spike("GIFT", 100, above=50)), catalog, CFG, "x.mp4")
    assert [m.sku for m in plan.moments] == ["GLOW"]
    gift = [r for r in plan.rejected if r.sku == "GIFT"]
    assert gift and "no pitch" in gift[0].reason
    assert any("GIFT" in note for note in plan.notes)


def test_spike_before_the_pitch_is_not_explained_by_it(catalog):
    plan = plan_moments(make_transcript(SCRIPT), report(spike("BOTTLE", 40)), catalog, CFG, "x.mp4")
    assert plan.moments == []


def test_length_limits_and_stale_warning(catalog):
    script = SCRIPT[:8] + [
        (62.0, "Next is the Bamboo Water Bottle."),
        (66.0, "For the next five minutes only you get a free strap."),
        (72.0, "The bamboo bottle keeps water cold for a whole day."),
        (78.0, "Tap the cart to grab yours."),
    ]
    config = MomentsConfig(max_duration_s=20)
    plan = plan_moments(make_transcript(script), report(spike("BOTTLE", 100)), catalog, config, "x.mp4")
    (m,) = plan.moments
    assert m.duration_s <= 20.0 + 1e-6
    assert m.cta_text == "Tap the cart to grab yours."
    assert any("live-only" in w for w in m.warnings)


def test_no_repeat_products_and_no_overlap(catalog):
    plan = plan_moments(
        make_transcript(SCRIPT), report(spike("GLOW", 70), spike("GLOW", 75, above=5)), catalog, CFG, "x.mp4"
    )
    assert len(plan.moments) == 1
    assert any("overlaps" in r.reason or "same product" in r.reason for r in plan.rejected)
