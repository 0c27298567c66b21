"""Find the pitch: group sentences into pitch blocks and pick the block that explains a spike.

A block starts at a sentence naming a product and runs on while that product stays the topic:
sentences that do not name it (continuations) belong to it until ``TOPIC_HOLD_S`` after its last
mention. It ends when another product is named (unless that is an aside: the host names this
product again before naming any other), or at a pause longer than ``moments.max_pause_s``
(unless what follows names the product again or is a call to action, within
``BRIDGE_PAUSES`` times that pause; the dead air is then cut). A live-only line never ends
a block: it is cut from inside the reel.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...config import MomentsConfig
from ...models import Rejected, Spike
from .text import Sentence

TOPIC_HOLD_S = 45.0  # an unnamed sentence still belongs to the product named this recently
DEFAULT_PAUSE_S = 4.0
BRIDGE_PAUSES = 3.0  # dead air up to this many max_pause_s is cut when the pitch resumes by name or a call to action


@dataclass
class Block:
    index: int
    sku: str
    sentences: list[Sentence]
    last_mention_s: float


@dataclass
class Pitch:
    """The sentences of one pitch up to its action point (the last call to action, else mention)."""

    sentences: list[Sentence]
    has_cta: bool
    block: int


def _is_aside(sentences: list[Sentence], k: int, current: str, max_pause_s: float) -> bool:
    """Sentence k names another product inside ``current``'s pitch, and the host names ``current``
    again (before any other product, a long pause or TOPIC_HOLD_S) instead of going on about it."""
    here = sentences[k]
    prev_end = here.end_s
    for s in sentences[k + 1:]:
        if s.start_s - here.end_s > TOPIC_HOLD_S or s.start_s - prev_end > max_pause_s:
            return False
        prev_end = s.end_s
        if s.primary is not None:
            return s.primary == current
    return False


def pitch_blocks(sentences: list[Sentence], max_pause_s: float = DEFAULT_PAUSE_S) -> list[Block]:
    """Group sentences into runs about one product (see the module docstring)."""
    blocks: list[Block] = []
    current: Block | None = None
    for k, sentence in enumerate(sentences):
        named = sentence.primary
        sentence.aside = None
        pause_s = sentence.start_s - current.sentences[-1].end_s if current is not None else 0.0
        if pause_s > max_pause_s and (pause_s > BRIDGE_PAUSES * max_pause_s or (named != current.sku and sentence.cta is None)):
            current = None  # dead air ends the pitch
        if named is not None:
            if current is not None and current.sku == named:
                current.sentences.append(sentence)
                current.last_mention_s = sentence.end_s
            elif current is not None and _is_aside(sentences, k, current.sku, max_pause_s):
                sentence.aside = named
                current.sentences.append(sentence)
            else:
                current = Block(len(blocks), named, [sentence], sentence.end_s)
                blocks.append(current)
        elif current is not None and sentence.start_s - current.last_mention_s <= TOPIC_HOLD_S:
            current.sentences.append(sentence)
        else:
            current = None
            continue
        sentence.block = current.index
    return blocks


def action_index(run: list[Sentence], sku: str) -> tuple[int, bool]:
    """Index of the pitch's last call to action (else its last mention), and whether it is a CTA."""
    ctas = [i for i, s in enumerate(run) if s.cta is not None and s.aside is None]
    if ctas:
        return ctas[-1], True
    return max(i for i, s in enumerate(run) if sku in s.mentions and s.aside is None), False


def _named(run: list[Sentence], sku: str) -> int:
    return sum(1 for s in run if sku in s.mentions and s.aside is None)


def pitch_anchors(sentences: list[Sentence], max_pause_s: float = DEFAULT_PAUSE_S) -> dict[str, list[tuple[float, float]]]:
    """Per SKU, (action time, weight) of every pitch block: where orders should follow."""
    anchors: dict[str, list[tuple[float, float]]] = {}
    for block in pitch_blocks(sentences, max_pause_s):
        i, has_cta = action_index(block.sentences, block.sku)
        if not has_cta and _named(block.sentences[: i + 1], block.sku) < 2:
            continue
        anchors.setdefault(block.sku, []).append((block.sentences[i].end_s, 1.0 if has_cta else 0.6))
    return anchors


def find_pitch(blocks: list[Block], spike: Spike, config: MomentsConfig, bin_s: float) -> Pitch | Rejected:
    """The latest pitch of the spike's SKU whose action point lies in the look-back window before
    the spike. A block needs a call to action or two mentions: a passing mention is no pitch."""
    sku = spike.sku
    latest_end = spike.onset_s - config.lookback_min_s + bin_s
    earliest_action = spike.onset_s - config.lookback_max_s
    found: list[tuple[float, Pitch]] = []
    passing = False
    for block in blocks:
        if block.sku != sku:
            continue
        run = [s for s in block.sentences if s.end_s <= latest_end]
        if not run or not _named(run, sku):
            continue
        action, has_cta = action_index(run, sku)
        action_s = run[action].end_s
        if action_s < earliest_action:
            continue
        if not has_cta and _named(run[: action + 1], sku) < 2:
            passing = True
            continue
        found.append((action_s, Pitch(run[: action + 1], has_cta, block.index)))
    if not found:
        reason = ("only a passing mention of the product before the spike, no pitch or call to action" if passing
                  else "no pitch for this product in the look-back window")
        return Rejected(sku=spike.sku, spike_onset_s=spike.onset_s, reason=reason)
    return max(found, key=lambda f: f[0])[1]
