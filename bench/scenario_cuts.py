"""Scenario families for reels cut from the middle (registered into bench/scenarios.py FAMILIES).

Each pitch is spoken with words labelled by what a reel should do with them: ``keep`` (the pitch
and its call to action), ``cut`` (a live-only line or a digression inside the pitch) or ``filler``.
Besides precision and recall (right SKU, IoU >= 0.5 with the pitch-to-CTA span), ``word_shares``
measures what the chosen reel plays: the share of the true pitch words kept (floor 0.9) and of
the live-only and digression words kept (ceiling 0.1).

- live_only_mid: a live-only offer ("for the next five minutes only...") in the middle of every pitch;
- digression_mid: comments read out, a stock check, or another product named in passing (the host
  names the pitched product again after it) in the middle of every pitch;
- unnamed_continuation: after the sentence introducing it, the product is not named again before the CTA;
- first_minute: a short stream whose first pitch starts right after the greeting and whose last
  spike comes near the end (no order history before the first, none after the last);
- filler_heavy: "um", "uh", "you know" all through the pitch, with moments.cut_fillers on.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

CUT_FAMILIES = ("live_only_mid", "digression_mid", "unnamed_continuation", "first_minute", "filler_heavy")

from bench.scenarios import LANG, Scenario, Speaker, Truth, _chat  # noqa: E402 - after CUT_FAMILIES, which scenarios.py reads
from reelcart.timeline import words_inside  # noqa: E402

KEEP_FLOOR = 0.9
CUT_CEILING = 0.1
FORMATS = ("iso", "shopify", "tiktok", "epoch", "jsonl")
DIGRESSIONS = {
    "en": ["Thank you Maria for joining us from Texas.", "Someone asked about the plant behind me, it is a fern.",
           "Hi Priya and Tom, good to see you again.", "Let me check the stock for you, one second.",
           "Give me one second to fix the light.", "Hello to everyone joining from the early shift."],
    "es": ["Gracias María por acompañarnos desde México.", "Bienvenidos a todos los que acaban de llegar.",
           "Un segundo, déjenme revisar el stock."],
    "vi": ["Cảm ơn chị Lan đã xem từ Hà Nội.", "Chào các bạn mới vào live.", "Để mình kiểm tra kho một chút nha."],
}
ASIDE = {"en": "Oh and we also have the {other} in the shop, I will show it later.",
         "es": "Ah, también tenemos {other} en la tienda, luego se la enseño.",
         "vi": "À shop cũng có {other} nữa nha, lát mình chỉ cho."}
FILLERS = ["um", "uh", "you know", "um,", "uh,"]


@dataclass
class CutScenario(Scenario):
    labels: list[str] = field(default_factory=list)  # per word of ``words``: keep / cut / filler / other


class _Labeller:
    def __init__(self, sp: Speaker) -> None:
        self.sp = sp
        self.labels: list[str] = []

    def say(self, text: str, label: str, fillers: random.Random | None = None) -> tuple[float, float]:
        if fillers is not None:
            tokens = text.split()
            for _ in range(max(1, len(tokens) // 5)):
                tokens.insert(fillers.randrange(1, len(tokens)), fillers.choice(FILLERS))
            text = " ".join(tokens)
        before = len(self.sp.words)
        span = self.sp.say(text)
        for w in self.sp.words[before:]:
            core = w.text.strip(",.").lower()
            self.labels.append("filler" if fillers is not None and core in ("um", "uh", "you", "know") else label)
        return span

    def chat(self, rng: random.Random, lang: dict, seconds: float) -> None:
        before = len(self.sp.words)
        _chat(self.sp, rng, lang, seconds)
        self.labels += ["other"] * (len(self.sp.words) - before)


def _pitch(lab: _Labeller, rng: random.Random, lang: dict, language: str, product: tuple, others: list[tuple],
           family: str) -> tuple[float, float]:
    _, name, aliases, _ = product
    fill = lambda s: s.format(name=name, alias=rng.choice(aliases))  # noqa: E731
    fillers = rng if family == "filler_heavy" else None
    start, _ = lab.say(fill(rng.choice(lang["intro"])), "keep", fillers)
    if family == "unnamed_continuation":
        body = [(line, "keep") for line in rng.sample(lang["feature"], k=min(len(lang["feature"]), rng.choice((3, 4, 5))))]
    else:
        body = [(fill(line), "keep") for line in rng.sample(lang["mention"], k=2)]
        body += [(line, "keep") for line in rng.sample(lang["feature"], k=rng.choice((1, 2)))]
        rng.shuffle(body)
    at = rng.randrange(1, len(body))
    if family == "live_only_mid":
        body.insert(at, (rng.choice(lang["stale"]), "cut"))
    elif family == "digression_mid":
        if rng.random() < 0.35:  # another product named in passing; the host names this one again after it
            other = rng.choice(others)
            mention = next(fill(line) for line in rng.sample(lang["mention"], k=len(lang["mention"])))
            body[at:at] = [(ASIDE[language].format(other=other[1]), "cut"), (mention, "keep")]
        else:
            body.insert(at, (rng.choice(DIGRESSIONS[language]), "cut"))
    for line, label in body:
        lab.say(line, label, fillers if label == "keep" else None)
    _, end = lab.say(rng.choice(lang["cta"]), "keep", fillers)
    return start, end


def generate_cuts(family: str, seed: int) -> CutScenario:
    rng = random.Random(f"{family}-{seed}")
    language = ("en", "en", "es", "vi")[seed % 4] if family == "digression_mid" else "en"
    lang = LANG[language]
    sp = Speaker(rng, language, noisy=True)
    sp.drop_punct = False if family in ("live_only_mid", "digression_mid") else sp.drop_punct
    lab = _Labeller(sp)
    first_minute = family == "first_minute"
    products = rng.sample(lang["products"], k=2 if first_minute and seed % 2 else 3)  # odd: two pitches, long bursts
    others = [p for p in lang["products"] if p not in products]
    lab.chat(rng, lang, rng.uniform(3, 8) if first_minute else rng.uniform(15, 40))
    pitches = []
    for i, product in enumerate(products):
        if i:
            lab.chat(rng, lang, rng.uniform(25, 50) if first_minute else rng.uniform(25, 70))
        pitches.append((product, *_pitch(lab, rng, lang, language, product, others, family)))
    lab.chat(rng, lang, rng.uniform(30, 60) if first_minute else rng.uniform(150, 200))
    duration = sp.t + 5.0
    orders, truths = _orders(rng, lang, pitches, duration, lag_s=(5.0, 15.0) if first_minute else (5.0, 90.0),
                             spread_s=(20.0, 40.0) if first_minute and seed % 2 else (10.0, 30.0))
    catalog_rows = [{"sku": sku, "name": name, "url": f"https://shop.example.com/p/{sku.lower()}", "price": f"{price:.2f}",
                     "currency": "USD", "aliases": "|".join(aliases)} for sku, name, aliases, price in lang["products"]]
    preset = {"moments": {"cut_fillers": True}} if family == "filler_heavy" else {}
    fmt = FORMATS[(seed + CUT_FAMILIES.index(family)) % len(FORMATS)]
    return CutScenario(family=family, seed=seed, language=language, catalog_rows=catalog_rows, words=sp.words, orders=orders,
                       duration_s=round(duration, 3), truths=truths, preset=preset, order_format=fmt, labels=lab.labels)


def _orders(rng: random.Random, lang: dict, pitches: list, duration: float, lag_s: tuple[float, float],
            spread_s: tuple[float, float]) -> tuple[list[dict], list[Truth]]:
    orders: list[dict] = []

    def order(t_s: float, sku: str, price: float) -> None:
        orders.append({"t_s": t_s, "sku": sku, "quantity": rng.choice((1, 1, 2)), "price": price,
                       "order_id": f"#{20000 + len(orders)}", "status": "paid"})

    for sku, _, _, price in lang["products"]:
        rate = rng.uniform(0.1, 0.8)
        t = rng.expovariate(rate / 60)
        while t < duration:
            order(t, sku, price)
            t += rng.expovariate(rate / 60)
    truths = []
    for (sku, _, _, price), start, end in pitches:
        onset = end + rng.uniform(*lag_s)
        spread = rng.uniform(*spread_s)
        for _ in range(rng.randint(20, 45)):
            if (t := onset + min(rng.expovariate(1 / spread), 100)) < duration:
                order(t, sku, price)
        truths.append(Truth(sku=sku, start_s=round(start, 3), end_s=round(end, 3), spike_s=round(onset, 3)))
    orders.sort(key=lambda r: r["t_s"])
    return orders, truths


def word_shares(outcome) -> tuple[int, int, int, int]:  # noqa: ANN001 - bench.scenarios.Outcome
    """(true pitch words kept, true pitch words, cut-worthy words kept, cut-worthy words) over the
    scenario's pitches; a pitch without a reel of its SKU keeps none of its words."""
    sc = outcome.scenario
    labels = getattr(sc, "labels", None) or ["other"] * len(sc.words)
    kept_keep = n_keep = kept_cut = n_cut = 0
    for truth in sc.truths:
        inside = [(w, lab) for w, lab in zip(sc.words, labels) if truth.start_s <= w.start_s and w.end_s <= truth.end_s]
        reel = next((m for m in outcome.plan.moments if m.sku == truth.sku and m.start_s < truth.end_s
                     and truth.start_s < m.end_s), None)
        played = {id(w) for w in words_inside([w for w, _ in inside], reel.spans())} if reel is not None else set()
        for w, lab in inside:
            if lab == "keep":
                n_keep += 1
                kept_keep += id(w) in played
            elif lab == "cut":
                n_cut += 1
                kept_cut += id(w) in played
    return kept_keep, n_keep, kept_cut, n_cut
