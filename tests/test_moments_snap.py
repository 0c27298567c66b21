"""Reel edges at the voice's pauses: two decodes that put a sentence boundary in different places
(one CPU hears "I see you. Next, let me show you", another "I see you next. Let me show you")
give the same reel edges, because both snap to the speech regions, which do not change."""

from __future__ import annotations

from reelcart.config import MomentsConfig
from reelcart.models import Moment, ScoreParts, TimeRange, Word
from reelcart.stages.moments.snap import snap_edges, speech_runs

SPEECH = [TimeRange(start_s=70.5, end_s=74.46), TimeRange(start_s=75.96, end_s=76.3), TimeRange(start_s=76.65, end_s=79.0),
          TimeRange(start_s=79.44, end_s=85.3), TimeRange(start_s=86.5, end_s=90.0)]


def words(pairs: list[tuple[str, float, float]]) -> list[Word]:
    return [Word(text=t, start_s=a, end_s=b) for t, a, b in pairs]


def moment(start_s: float, end_s: float) -> Moment:
    return Moment(id="reel-1", sku="BOTTLE", product_name="Bamboo Water Bottle", start_s=start_s, end_s=end_s, pitch_start_s=start_s,
                  score=ScoreParts(sales_lift=1, pitch=1, call_to_action=1, speech_density=1, stale_penalty=0, total=1))


def test_speech_runs_join_breaths_but_not_pauses():
    assert speech_runs(SPEECH) == [(70.5, 74.46), (75.96, 85.3), (86.5, 90.0)]


def test_two_decodes_of_one_sentence_boundary_give_the_same_edges():
    config = MomentsConfig()
    one = words([("you.", 74.0, 74.4), ("Next,", 75.96, 76.28), ("let", 76.7, 76.85), ("me", 76.85, 77.0), ("bottle.", 84.6, 85.1)])
    other = words([("you", 74.0, 74.3), ("next.", 75.98, 76.26), ("Let", 76.71, 76.83), ("me", 76.83, 77.07), ("bottle.", 84.7, 85.13)])
    a = snap_edges(moment(75.71, 85.7), one, SPEECH, config)  # this decode's pitch starts at "Next,"
    b = snap_edges(moment(76.46, 85.73), other, SPEECH, config)  # this one's at "Let", "next." went to the sentence before
    assert abs(a.start_s - b.start_s) <= 0.05 and abs(a.end_s - b.end_s) <= 0.05, (a.start_s, b.start_s, a.end_s, b.end_s)
    assert a.start_s == round(75.96 - config.lead_in_s, 3) and a.end_s == round(85.3 + config.tail_s, 3)
    assert b.spans()[0].start_s == b.start_s and b.spans()[-1].end_s == b.end_s


def test_edges_far_from_a_pause_and_plans_without_speech_regions_are_left_alone():
    config = MomentsConfig()
    long_run = [TimeRange(start_s=60.0, end_s=90.0)]  # the host never paused: nothing to snap to within a second
    ws = words([("and", 75.0, 75.2), ("the", 76.7, 76.8), ("bottle.", 84.6, 85.1)])
    m = moment(76.45, 85.7)
    assert snap_edges(m, ws, long_run, config) == m
    assert snap_edges(m, ws, [], config) == m
    # the next sentence starts inside the run after the last word: the end does not swallow it
    following = words([("the", 76.7, 76.8), ("bottle.", 84.0, 84.4), ("Thanks", 84.6, 85.0)])
    end_kept = snap_edges(moment(76.45, 84.5), following, SPEECH, config)
    assert end_kept.end_s == 84.5
