"""Synthetic live-shopping sessions with known ground truth, for evaluating the moment finder.

Each scenario is a transcript (words with times, as the speech model would give them, with
transcription errors) and an order log (written to disk in one of several real export formats),
plus the true pitch-to-call-to-action window of every pitch that sold. ``run_scenario`` sends it
through the real code: the order reader, spike detection (or the clock-offset estimate) and the
moment planner, exactly as the pipeline calls them. ``score`` counts a chosen moment as right when
it names the right SKU and overlaps the true window with IoU >= 0.5.

Families (hard cases): close_pitches, re_mention, never_bought, lag, drift, decoy, clock_off,
multi_spike, sparse, non_english (es/ar/vi/zh, traditional Chinese output included), dense; and the
platform-export and variant-catalog families of bench/scenario_exports.py.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.scenario_exports import EXPORT_FAMILIES, EXPORT_FORMATS, dress_export, more_order_files, write_export
from reelcart.inputs.catalog import load_catalog
from reelcart.config import Preset
from reelcart.models import MomentPlan, Segment, TimeRange, Transcript, Word
from reelcart.inputs.orders import load_orders
from reelcart.stages import clock, moments, spikes

FAMILIES = (
    "close_pitches", "re_mention", "never_bought", "lag", "drift", "decoy", "clock_off", "multi_spike", "sparse",
    "non_english", "dense",
) + EXPORT_FAMILIES
STREAM_START = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
SHOP_ZONE = timezone(timedelta(hours=7))
SHOP_ZONE_NAME = "Asia/Ho_Chi_Minh"
EXCEL_EPOCH = datetime(1899, 12, 30)

# ------------------------------------------------------------------ language material
# product: (sku, name, [aliases], price). Pitch lines use {name} / {alias}.

LANG: dict[str, dict] = {
    "en": {
        "products": [
            ("GLOW-30", "Velvet Glow Serum", ["glow serum", "velvet glow"], 24.9),
            ("BAMBOO-750", "Bamboo Water Bottle", ["bamboo bottle", "water bottle"], 18.5),
            ("CLOUD-BLK", "Cloud Comfort Blanket", ["cloud blanket", "comfort blanket"], 39.0),
            ("TRAIL-28", "Summit Trail Backpack", ["trail backpack", "summit backpack"], 64.0),
            ("LAMP-AUR", "Aurora Desk Lamp", ["aurora lamp", "desk lamp"], 45.0),
            ("BUDS-NIM", "Nimbus Wireless Earbuds", ["nimbus earbuds", "wireless earbuds"], 79.0),
            ("PAN-CU", "Copper Chef Pan", ["copper pan", "chef pan"], 52.0),
            ("SILK-PC", "Lumen Silk Pillowcase", ["silk pillowcase", "lumen pillowcase"], 29.0),
        ],
        "decoys": [("GIFT-50", "Gift Card", ["gift cards"], 50.0), ("MYSTERY-BOX", "Mystery Box", ["mystery boxes"], 15.0)],
        "intro": ["Next up is the {name}.", "Let me show you the {name}.", "Okay, this one is my favorite, the {name}.",
                  "Now I have the {name} for you.", "Take a look at the {name}."],
        "mention": ["The {alias} is so easy to use every single day.", "I take the {alias} with me everywhere I go.",
                    "Honestly the {alias} is the best thing I bought this year.", "My sister loves her {alias} too.",
                    "The {name} comes in three colors."],
        "feature": ["It feels really light and it never gets sticky.", "The quality is great for the price.",
                    "You can see how nicely it is made up close.", "It comes with a two year warranty.",
                    "Look at the detail on this side here.", "It is really sturdy and it looks great on a shelf.",
                    "After two weeks my friends kept asking what I changed."],
        "cta": ["Tap the orange cart below to grab yours.", "The link is pinned at the top, so grab it now.",
                "Click the link and get yours before they sell out.", "Add it to your cart right now.",
                "Only twenty left, grab yours quickly.", "Hit the cart and order now.",
                "Tap the orange card below to grab yours.", "The link is been at the top, go check it out."],
        "stale": ["For the next five minutes only, it is twenty percent off.", "Comment below if you want one in blue.",
                  "This price is live only, so do not wait.", "Type yes in the chat if you want the bundle."],
        "chat": ["Thank you Maria for joining us from Texas.", "It is pouring with rain here in the city tonight.",
                 "Let me have a quick sip of tea.", "We just crossed one thousand viewers, thank you all so much.",
                 "Someone asked about the plant behind me, it is a fern.", "Welcome to everyone joining from the early shift.",
                 "My neighbor says it is already snowing up in the mountains.", "Hi Priya and Tom, good to see you again.",
                 "I love reading all your messages every week.", "Give me one second to fix the light."],
        "remention": ["I still have the {alias} on my desk from earlier.", "A lot of you asked again about the {alias}.",
                      "Remember the {alias} I showed you before?"],
        "passing": ["We also have {alias} if you need a present.", "Oh and there are {alias} in the shop as well."],
    },
    "es": {
        "products": [
            ("ES-SERUM", "Sérum Brillo Terciopelo", ["sérum brillo", "el sérum"], 24.9),
            ("ES-BOTELLA", "Botella de Bambú", ["botella de bambú", "la botella"], 18.5),
            ("ES-MANTA", "Manta Nube Suave", ["manta nube", "la manta"], 39.0),
            ("ES-MOCHILA", "Mochila Cumbre", ["mochila cumbre", "la mochila"], 64.0),
        ],
        "decoys": [("ES-TARJETA", "Tarjeta Regalo", ["tarjetas regalo"], 50.0)],
        "intro": ["Ahora les presento la {name}.", "Miren esta maravilla, la {name}.", "El siguiente producto es {name}."],
        "mention": ["Yo uso {alias} todas las mañanas.", "Con {alias} vas a notar la diferencia.",
                    "Mi hermana también tiene {alias} y le encanta."],
        "feature": ["Es muy ligera y se siente increíble.", "La calidad es excelente por este precio.",
                    "Miren los detalles de cerca.", "Tiene dos años de garantía."],
        "cta": ["Toca el carrito naranja para comprar la tuya.", "El enlace fijado está arriba, compra ahora.",
                "Quedan pocas, no te lo pierdas.", "Añade al carrito ahora mismo."],
        "stale": ["Solo en este live tiene veinte por ciento de descuento.", "Comenta abajo qué color quieres."],
        "chat": ["Gracias María por acompañarnos desde México.", "Hoy hace mucho calor aquí en el estudio.",
                 "Déjenme tomar un poco de agua.", "Ya somos mil personas, muchas gracias.",
                 "Bienvenidos a todos los que acaban de llegar."],
        "remention": ["Todavía tengo {alias} aquí en la mesa.", "Muchos preguntan otra vez por {alias}."],
        "passing": ["También tenemos {alias} por si necesitan un regalo."],
    },
    "ar": {
        "products": [
            ("AR-SERUM", "سيروم التوهج المخملي", ["سيروم التوهج", "السيروم المخملي"], 24.9),
            ("AR-BOTTLE", "زجاجة الخيزران", ["زجاجة الماء", "زجاجة الخيزران الجديدة"], 18.5),
            ("AR-BLANKET", "بطانية السحاب الناعمة", ["بطانية السحاب", "البطانية الناعمة"], 39.0),
            ("AR-BAG", "حقيبة الظهر للرحلات", ["حقيبة الظهر", "حقيبة الرحلات"], 64.0),
        ],
        "decoys": [("AR-GIFT", "بطاقة الهدايا", ["بطاقات الهدايا"], 50.0)],
        "intro": ["المنتج التالي هو {name}.", "شوفوا معي {name}.", "الآن عندي لكم {name}."],
        "mention": ["أنا أستخدم {alias} كل صباح.", "{alias} خفيفة جدا وسهلة الاستعمال.", "أختي أيضا تحب {alias} كثيرا."],
        "feature": ["النتيجة رائعة بعد أسبوعين فقط.", "السعر ممتاز والجودة عالية.", "انظروا إلى التفاصيل من قريب.",
                    "الضمان لمدة سنتين."],
        "cta": ["اضغطوا على السلة البرتقالية واطلبوا الآن.", "الرابط مثبت في الأعلى، اشتروا الآن.",
                "الكمية محدودة فلا تفوتوا العرض.", "أضف إلى السلة الآن."],
        "stale": ["فقط على اللايف الخصم عشرين بالمئة.", "اكتبوا في التعليقات أي لون تريدون."],
        "chat": ["شكرا لسارة على المتابعة من الرياض.", "الجو حار جدا اليوم في الاستوديو.", "دقيقة أشرب قليلا من الماء.",
                 "وصلنا إلى ألف مشاهد، شكرا لكم.", "أهلا بكل من انضم إلينا الآن."],
        "remention": ["ما زلت أحمل {alias} هنا على الطاولة.", "كثير منكم سأل مرة أخرى عن {alias}."],
        "passing": ["عندنا أيضا {alias} إذا كنتم تبحثون عن هدية."],
    },
    "vi": {
        "products": [
            ("VI-KEM", "Kem dưỡng Nhung Sáng", ["kem nhung sáng", "kem dưỡng này"], 24.9),
            ("VI-BINH", "Bình nước Tre Xanh", ["bình tre xanh", "bình nước tre"], 18.5),
            ("VI-CHAN", "Chăn Mây Êm", ["chăn mây", "chăn mây êm ái"], 39.0),
            ("VI-BALO", "Balo Leo Núi Đỉnh Cao", ["balo leo núi", "balo đỉnh cao"], 64.0),
        ],
        "decoys": [("VI-QUA", "Thẻ quà tặng", ["thẻ quà tặng"], 50.0)],
        "intro": ["Sản phẩm tiếp theo là {name}.", "Các bạn xem {name} nhé.", "Bây giờ mình giới thiệu {name}."],
        "mention": ["Mình dùng {alias} mỗi sáng luôn.", "{alias} thấm rất nhanh và không bết dính.",
                    "Chị mình cũng mê {alias} lắm."],
        "feature": ["Chất lượng rất tốt mà giá lại mềm.", "Sau hai tuần là thấy khác liền.", "Các bạn nhìn gần nè.",
                    "Bảo hành hai năm luôn nha."],
        "cta": ["Các bạn bấm vào giỏ hàng để chốt đơn nhé.", "Link ghim ở trên, mua ngay nhé.",
                "Số lượng có hạn, nhanh tay lên đơn nha.", "Bấm giỏ hàng mua ngay các bạn ơi."],
        "stale": ["Chỉ trong live hôm nay giảm hai mươi phần trăm.", "Bình luận bên dưới màu các bạn thích nhé."],
        "chat": ["Cảm ơn chị Lan đã xem từ Hà Nội.", "Hôm nay trời mưa to quá các bạn ạ.", "Cho mình uống miếng nước nha.",
                 "Đã có một nghìn người xem rồi, cảm ơn cả nhà.", "Chào các bạn mới vào live."],
        "remention": ["Mình vẫn để {alias} ở đây nè.", "Nhiều bạn hỏi lại về {alias} quá."],
        "passing": ["Shop cũng có {alias} nếu bạn cần quà nha."],
    },
    "zh": {
        "products": [
            ("ZH-JINGHUA", "丝绒光精华", ["光精华", "丝绒精华"], 24.9),
            ("ZH-SHUIBEI", "竹子水杯", ["竹杯", "竹子杯"], 18.5),
            ("ZH-MAOTAN", "云朵毛毯", ["云朵毯", "这款毛毯"], 39.0),
            ("ZH-BEIBAO", "登山背包", ["登山包", "这款背包"], 64.0),
        ],
        "decoys": [("ZH-LIPIN", "礼品卡", ["礼品卡"], 50.0)],
        "intro": ["今天下一款是{name}。", "大家看一下这款{name}。", "现在给大家介绍{name}。"],
        "mention": ["我每天早上都用{alias}。", "这个{alias}吸收特别快。", "我姐姐也特别喜欢{alias}。"],
        "feature": ["用了两个星期效果很明显。", "质量很好价格也很实惠。", "大家近距离看一下细节。", "保修两年放心买。"],
        "cta": ["大家点击小黄车马上下单。", "链接已置顶赶紧抢。", "库存有限大家赶紧拍下。", "点击购物车立即购买。"],
        "stale": ["直播间专享八折优惠。", "评论区扣一告诉我你要什么颜色。"],
        "chat": ["谢谢小美从上海来看直播。", "今天外面下大雨大家注意安全。", "我先喝口水。", "直播间已经一千人了谢谢大家。",
                 "欢迎刚进来的朋友们。"],
        "remention": ["刚才的{alias}还在我桌上。", "很多人又在问{alias}。"],
        "passing": ["我们也有{alias}可以送人。"],
    },
}
TYPOS = {  # what a speech model makes of some words
    "serum": ["sirum", "serums"], "bamboo": ["bambu"], "backpack": ["back pack"], "earbuds": ["ear buds"],
    "pillowcase": ["pillow case"], "blanket": ["blankets"], "velvet": ["velvets"], "lamp": ["lamps"],
}
ZH_HOMOPHONES = {"精华": "精化", "毛毯": "毛摊", "背包": "被包", "水杯": "水背"}


# ------------------------------------------------------------------ the scenario


@dataclass
class Truth:
    sku: str
    start_s: float
    end_s: float
    spike_s: float


@dataclass
class Scenario:
    family: str
    seed: int
    language: str
    catalog_rows: list[dict]
    words: list[Word]
    orders: list[dict]  # t_s (true recording time), sku, quantity, price, order_id, status
    duration_s: float
    truths: list[Truth]
    clock_error_s: float = 0.0
    preset: dict = field(default_factory=dict)
    order_format: str = "iso"


class Speaker:
    """Turns sentences into timed words, as a speech model would transcribe them."""

    def __init__(self, rng: random.Random, language: str, *, noisy: bool, traditional: bool = False) -> None:
        self.rng = rng
        self.language = language
        self.noisy = noisy
        self.t = 0.0
        self.words: list[Word] = []
        self.traditional = traditional
        self.drop_punct = rng.random() < 0.3  # some transcripts come without sentence punctuation

    def pause(self, low: float, high: float) -> None:
        self.t += self.rng.uniform(low, high)

    def say(self, sentence: str) -> tuple[float, float]:
        """Speak one sentence; returns its (start, end)."""
        rng = self.rng
        if self.language == "zh":
            tokens = self._zh_tokens(sentence)
        else:
            tokens = []
            for raw in sentence.split():
                word = raw
                core = word.strip(".,!?").lower()
                if self.noisy and core in TYPOS and rng.random() < 0.3:
                    word = word.lower().replace(core, rng.choice(TYPOS[core]))
                tokens.extend(word.split())
        if self.drop_punct:
            tokens = [tok.rstrip(".!?。！？") or tok for tok in tokens]
            if tokens and rng.random() < 0.5:
                tokens[0] = tokens[0].lower()
        start = self.t
        for token in tokens:
            letters = len(token)
            length = (0.22 * letters if self.language == "zh" else 0.12 + 0.045 * letters) * rng.uniform(0.85, 1.2)
            self.words.append(Word(text=token, start_s=round(self.t, 3), end_s=round(self.t + length, 3),
                                   probability=round(rng.uniform(0.6, 1.0), 3)))
            self.t += length + rng.uniform(0.03, 0.14)
        end = self.words[-1].end_s
        self.pause(0.25, 0.85) if rng.random() < 0.8 else self.pause(0.9, 1.8)
        return start, end

    def _zh_tokens(self, sentence: str) -> list[str]:
        if self.noisy:
            for right, wrong in ZH_HOMOPHONES.items():
                if right in sentence and self.rng.random() < 0.25:
                    sentence = sentence.replace(right, wrong, 1)
        if self.traditional:
            sentence = _s2t(sentence)
        tokens: list[str] = []
        i = 0
        while i < len(sentence):
            n = self.rng.choice((1, 2, 2, 3))
            tokens.append(sentence[i : i + n])
            i += n
        merged: list[str] = []
        for tok in tokens:  # punctuation sticks to the previous token, as whisper writes it
            if merged and tok and tok[0] in "。，！？、":
                merged[-1] += tok[0]
                tok = tok[1:]
            if tok:
                merged.append(tok)
        return merged


def _s2t(text: str) -> str:
    import opencc

    return opencc.OpenCC("s2t").convert(text)


def _pitch(sp: Speaker, rng: random.Random, lang: dict, product: tuple, *, stale_inside: bool, short: bool = False) -> tuple[float, float]:
    """One pitch: intro naming the product, mentions and features, maybe a live-only line, the CTA."""
    _, name, aliases, _ = product
    fill = lambda s: s.format(name=name, alias=rng.choice(aliases))  # noqa: E731
    start, _ = sp.say(fill(rng.choice(lang["intro"])))
    body = rng.sample(lang["mention"], k=min(len(lang["mention"]), 1 if short else rng.choice((2, 2, 3))))
    body += rng.sample(lang["feature"], k=1 if short else rng.choice((2, 3, 4)))
    rng.shuffle(body)
    if stale_inside:
        body.insert(rng.randrange(len(body) + 1), rng.choice(lang["stale"]))
    for line in body:
        sp.say(fill(line))
    _, end = sp.say(rng.choice(lang["cta"]))
    return start, end


def _chat(sp: Speaker, rng: random.Random, lang: dict, seconds: float) -> None:
    until = sp.t + seconds
    while sp.t < until:
        if rng.random() < 0.15:
            sp.pause(2.0, 6.0)  # the host looks at the chat
        sp.say(rng.choice(lang["chat"]))


def generate(family: str, seed: int) -> Scenario:
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}")
    if family in scenario_cuts.CUT_FAMILIES:
        return scenario_cuts.generate_cuts(family, seed)
    rng = random.Random(f"{family}-{seed}")
    language = "en"
    if family == "non_english":
        language = ("es", "ar", "vi", "zh")[seed % 4]
    lang = LANG[language]
    traditional = language == "zh" and rng.random() < 0.5
    sp = Speaker(rng, language, noisy=True, traditional=traditional)
    products = rng.sample(lang["products"], k=3)
    decoys = list(lang["decoys"])
    preset: dict = {}
    truths: list[Truth] = []
    pitches: list[tuple[tuple, float, float, bool]] = []  # product, start, end, sold
    orders: list[dict] = []

    gap = (lambda: rng.uniform(0.3, 2.0)) if family == "close_pitches" else (lambda: rng.uniform(25, 80))
    if family == "drift":
        gap = lambda: rng.uniform(150, 300)  # noqa: E731 - a long stream, so the background can drift
    _chat(sp, rng, lang, rng.uniform(15, 45))
    plan = [(p, True) for p in products]
    if family == "never_bought":
        k = rng.randrange(3)
        plan[k] = (plan[k][0], False)
    flash_after = None
    if family == "decoy" and rng.random() < 0.5:
        # a store-wide flash sale shortly after a pitch that itself sold nothing
        flash_after = rng.randrange(3)
        plan[flash_after] = (plan[flash_after][0], False)
    if family == "multi_spike":
        plan = [(products[0], True), (products[1], True), (products[0], True)]
        preset = {"moments": {"allow_repeat_products": True}}
    if family == "sparse":
        plan = plan[:2] if rng.random() < 0.5 else plan
    for i, (product, sold) in enumerate(plan):
        if i:
            if family == "close_pitches":
                sp.pause(0.1, 0.6)
            else:
                _chat(sp, rng, lang, gap())
            if family == "re_mention" and rng.random() < 0.7:
                # an earlier product named again in chit-chat, no sale follows
                earlier = plan[rng.randrange(i)][0]
                sp.say(rng.choice(lang["remention"]).format(alias=rng.choice(earlier[2]), name=earlier[1]))
                _chat(sp, rng, lang, rng.uniform(5, 20))
        start, end = _pitch(sp, rng, lang, product, stale_inside=rng.random() < 0.25)
        if rng.random() < 0.3 and family != "close_pitches":
            sp.say(rng.choice(lang["stale"]))  # a live-only line right after the CTA
        pitches.append((product, start, end, sold))
    if family == "re_mention":
        for product, *_ in pitches:
            _chat(sp, rng, lang, rng.uniform(10, 30))
            sp.say(rng.choice(lang["remention"]).format(alias=rng.choice(product[2]), name=product[1]))
    decoy_at = None
    if family == "decoy":
        _chat(sp, rng, lang, rng.uniform(30, 60))
        if rng.random() < 0.6:  # a passing mention of the decoy product shortly before its burst
            sp.say(rng.choice(lang["passing"]).format(alias=rng.choice(decoys[0][2]), name=decoys[0][1]))
        decoy_at = sp.t + rng.uniform(15, 40)
    _chat(sp, rng, lang, rng.uniform(150, 200))
    duration = sp.t + 5.0

    # ---------------------------------------------------------------- orders
    every = [*lang["products"], *decoys]
    catalog_rows = [
        {"sku": sku, "name": name, "url": f"https://shop.example.com/p/{sku.lower()}", "price": f"{price:.2f}",
         "currency": "USD", "aliases": "|".join(aliases)}
        for sku, name, aliases, price in every
    ]
    n_orders = 0

    def order(t_s: float, sku: str, price: float, quantity: int = 1, status: str = "paid") -> None:
        nonlocal n_orders
        n_orders += 1
        orders.append({"t_s": t_s, "sku": sku, "quantity": quantity, "price": price, "order_id": f"#{10000 + n_orders}",
                       "status": status})

    dense = family == "dense"
    sparse = family == "sparse"
    for sku, _, _, price in every:
        if sparse:
            rate = rng.uniform(0.01, 0.05)
        elif dense:
            rate = rng.uniform(40, 120)
        else:
            rate = rng.uniform(0.1, 0.8)
        t = 0.0
        while True:
            local = rate * (1 + 5 * t / duration) if family == "drift" else rate  # demand grows 6x over the stream
            t += rng.expovariate(local / 60)
            if t >= duration:
                break
            order(t, sku, price, quantity=rng.choice((1, 1, 1, 2)))
    for product, start, end, sold in pitches:
        if not sold:
            continue
        sku, _, _, price = product
        if family == "lag":
            lag = rng.choice((rng.uniform(5, 12), rng.uniform(75, 90)))
        else:
            lag = rng.uniform(5, 90)
        onset = end + lag
        if sparse:
            burst = rng.randint(7, 10)
        elif dense:
            burst = rng.randint(1500, 3000)
        else:
            burst = rng.randint(15, 45)
        spread = rng.uniform(10, 35)
        for _ in range(burst):
            t = onset + min(rng.expovariate(1 / spread), 120)
            if t < duration:
                order(t, sku, price)
        truths.append(Truth(sku=sku, start_s=round(start, 3), end_s=round(end, 3), spike_s=round(onset, 3)))
    if flash_after is not None:
        at = pitches[flash_after][2] + rng.uniform(20, 80)
        for sku, _, _, price in every:
            for _ in range(rng.randint(3, 6)):
                order(at + rng.uniform(0, 40), sku, price)
    if decoy_at is not None:
        sku, _, _, price = decoys[0]
        for _ in range(rng.randint(25, 40)):  # a flash sale of an unpitched product
            order(decoy_at + rng.uniform(0, 40), sku, price)
        order(rng.uniform(10, duration - 10), decoys[-1][0], decoys[-1][3], quantity=50)  # one bulk order
    # duplicated rows and cancellations, as real exports have
    for row in rng.sample(orders, k=min(3, len(orders))):
        orders.append(dict(row))
    for _ in range(2):
        t = rng.uniform(0, duration)
        order(t, rng.choice(every)[0], 10.0, status="refunded")
    orders.sort(key=lambda r: r["t_s"])
    clock_error = 0.0
    if family == "clock_off":
        clock_error = rng.choice((-1, 1)) * rng.uniform(120, 600)  # the shop's clock runs this far ahead
        preset = {"orders": {"estimate_clock_offset": True, "clock_search_s": 900}}
    formats = ("iso", "iso_mixed", "shopify", "tiktok", "epoch", "semicolon", "jsonl", "excel_serial")
    fmt = formats[(seed + FAMILIES.index(family)) % len(formats)] if not dense else "epoch"
    return dress_export(Scenario(family=family, seed=seed, language=language, catalog_rows=catalog_rows, words=sp.words,
                                 orders=orders, duration_s=round(duration, 3), truths=truths, clock_error_s=clock_error,
                                 preset=preset, order_format=fmt))


# ------------------------------------------------------------------ files


def write_catalog(scenario: Scenario, folder: Path) -> Path:
    path = folder / "catalog.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(scenario.catalog_rows[0]))
        writer.writeheader()
        writer.writerows(scenario.catalog_rows)
    return path


def write_orders(scenario: Scenario, folder: Path) -> tuple[Path, dict]:
    """The order log in the scenario's export format; returns the path and the preset's orders section."""
    fmt = scenario.order_format
    if fmt in EXPORT_FORMATS:
        return write_export(scenario, folder)
    rows = scenario.orders

    def shop_time(r: dict) -> datetime:
        return STREAM_START + timedelta(seconds=r["t_s"] + scenario.clock_error_s)

    orders_cfg: dict = {}
    if fmt in ("iso", "iso_mixed"):
        path = folder / "orders.csv"
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["order_id", "timestamp", "sku", "quantity", "amount", "status"])
            for i, r in enumerate(rows):
                zone = timezone.utc if fmt == "iso_mixed" and i % 2 else SHOP_ZONE
                w.writerow([r["order_id"], shop_time(r).astimezone(zone).isoformat(), r["sku"], r["quantity"],
                            f"{r['price'] * r['quantity']:.2f}", r["status"]])
    elif fmt == "shopify":
        path = folder / "orders_export.csv"
        with open(path, "w", newline="", encoding="utf-8-sig") as fh:
            w = csv.writer(fh)
            w.writerow(["Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Created at", "Subtotal",
                        "Total", "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem sku", "Cancelled at"])
            for r in rows:
                created = shop_time(r).astimezone(SHOP_ZONE).strftime("%Y-%m-%d %H:%M:%S %z")
                status = "refunded" if r["status"] == "refunded" else "paid"
                w.writerow([r["order_id"], "x@example.com", status, created, "unfulfilled", created, r["price"], r["price"],
                            r["quantity"], "item", f"{r['price']:.2f}", r["sku"], ""])
    elif fmt == "tiktok":
        path = folder / "tiktok_orders.csv"
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["Order ID", "Order Status", "Order Substatus", "Cancelation/Return Type", "Seller SKU", "Quantity",
                        "SKU Unit Original Price", "SKU Subtotal After Discount", "Created Time"])
            w.writerow(["Platform unique order ID.", "Current order status.", "Order substatus.", "Cancel or return.",
                        "Seller SKU.", "Quantity.", "Unit price.", "Subtotal.", "Time when the order was created."])
            for r in rows:
                local = shop_time(r).astimezone(SHOP_ZONE).replace(tzinfo=None)
                status = "Canceled" if r["status"] == "refunded" else "Completed"
                w.writerow([r["order_id"].lstrip("#"), status, "", "", r["sku"], r["quantity"], f"{r['price']:.2f}",
                            f"{r['price'] * r['quantity']:.2f}", local.strftime("%m/%d/%Y %I:%M:%S %p")])
        orders_cfg = {"timezone": SHOP_ZONE_NAME}
    elif fmt == "epoch":
        path = folder / "orders.json"
        data = [{"order_id": r["order_id"], "timestamp": round(shop_time(r).timestamp(), 3), "sku": r["sku"],
                 "quantity": r["quantity"], "amount": r["price"] * r["quantity"], "status": r["status"]} for r in rows]
        path.write_text(json.dumps(data), encoding="utf-8")
    elif fmt == "semicolon":
        path = folder / "orders_eu.csv"
        with open(path, "w", newline="", encoding="utf-8-sig") as fh:
            w = csv.writer(fh, delimiter=";")
            w.writerow(["Bestellnummer", "Zeit", "Artikelnummer", "Menge", "Betrag", "Status"])
            for r in rows:
                local = shop_time(r).astimezone(SHOP_ZONE).replace(tzinfo=None)
                w.writerow([r["order_id"], local.strftime("%d.%m.%Y %H:%M:%S"), r["sku"], r["quantity"],
                            f"{r['price'] * r['quantity']:.2f}".replace(".", ","), r["status"]])
        orders_cfg = {"timezone": SHOP_ZONE_NAME, "columns": {"order_id": "Bestellnummer", "timestamp": "Zeit",
                      "sku": "Artikelnummer", "quantity": "Menge", "amount": "Betrag", "status": "Status"}}
    elif fmt == "jsonl":
        path = folder / "orders.jsonl"
        with open(path, "w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps({"order_id": r["order_id"], "timestamp": shop_time(r).isoformat().replace("+00:00", "Z"),
                                     "sku": r["sku"], "quantity": r["quantity"], "status": r["status"]}) + "\n")
    elif fmt == "excel_serial":
        path = folder / "orders_excel.csv"
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["Order Number", "Order Date", "SKU", "Qty", "Line Total", "Status"])
            for r in rows:
                local = shop_time(r).astimezone(SHOP_ZONE).replace(tzinfo=None)
                serial = (local - EXCEL_EPOCH).total_seconds() / 86400
                w.writerow([r["order_id"], f"{serial:.8f}", r["sku"], r["quantity"], f"{r['price'] * r['quantity']:.2f}",
                            r["status"]])
        orders_cfg = {"timezone": SHOP_ZONE_NAME}
    else:  # pragma: no cover
        raise ValueError(fmt)
    return path, orders_cfg


def transcript_of(scenario: Scenario) -> Transcript:
    """The words grouped into whisper-like segments (about ten seconds each)."""
    segments: list[Segment] = []
    current: list[Word] = []
    for word in scenario.words:
        if current and word.end_s - current[0].start_s > 10:
            segments.append(_segment(current, scenario.language))
            current = []
        current.append(word)
    if current:
        segments.append(_segment(current, scenario.language))
    return Transcript(model="synthetic", language=scenario.language, language_probability=1.0,
                      windows=[TimeRange(start_s=0.0, end_s=scenario.duration_s)], segments=segments,
                      audio_s=scenario.duration_s)


def _segment(words: list[Word], language: str) -> Segment:
    joiner = "" if language == "zh" else " "
    return Segment(start_s=words[0].start_s, end_s=words[-1].end_s, text=joiner.join(w.text for w in words), words=list(words))


# ------------------------------------------------------------------ running and scoring


@dataclass
class Outcome:
    scenario: Scenario
    plan: MomentPlan
    correct: int
    chosen: int
    truths: int
    clock_error_s: float | None = None  # |estimated - true| offset, clock_off family


def run_scenario(scenario: Scenario, folder: Path) -> Outcome:
    """Through the real code: order reader -> spikes (or clock estimate + spikes) -> moment planner."""
    folder.mkdir(parents=True, exist_ok=True)
    orders_path, orders_cfg = write_orders(scenario, folder)
    catalog = load_catalog(write_catalog(scenario, folder))
    data = json.loads(json.dumps(scenario.preset))
    data.setdefault("orders", {}).update(orders_cfg)
    preset = Preset.model_validate(data)
    transcript = transcript_of(scenario)
    if preset.orders.estimate_clock_offset:
        report = clock.align_clock(orders_path, catalog=catalog, transcript=transcript, preset=preset,
                                   duration_s=scenario.duration_s, stream_start=STREAM_START)
    else:
        table = load_orders(orders_path, config=preset.orders, known_skus={p.sku for p in catalog.products},
                            duration_s=scenario.duration_s, stream_start=STREAM_START, catalog=catalog,
                            more_paths=more_order_files(orders_path))
        report = spikes.find_spikes(table, duration_s=scenario.duration_s, stream_start=STREAM_START,
                                    config=preset.spikes, clock_offset_s=preset.orders.clock_offset_s)
    plan = moments.plan_moments(transcript, report, catalog, preset.moments, "synthetic.mp4")
    correct = score(plan, scenario.truths)
    clock_err = None
    if report.clock_estimate is not None:
        clock_err = abs(report.clock_offset_s + scenario.clock_error_s)
    return Outcome(scenario, plan, correct, len(plan.moments), len(scenario.truths), clock_err)


def iou(a: tuple[float, float], b: tuple[float, float]) -> float:
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union > 0 else 0.0


def score(plan: MomentPlan, truths: list[Truth]) -> int:
    """Chosen moments that match a true pitch (same SKU, IoU >= 0.5), one to one."""
    free = list(truths)
    correct = 0
    for m in plan.moments:
        best = max((t for t in free if t.sku == m.sku), key=lambda t: iou((m.start_s, m.end_s), (t.start_s, t.end_s)), default=None)
        if best is not None and iou((m.start_s, m.end_s), (best.start_s, best.end_s)) >= 0.5:
            correct += 1
            free.remove(best)
    return correct


@dataclass
class FamilyScore:
    family: str
    scenarios: int
    correct: int
    chosen: int
    truths: int
    clock_errors: list[float] = field(default_factory=list)

    def add(self, outcome) -> None:  # noqa: ANN001 - the result of run_scenario
        """Count one scenario's outcome."""
        self.scenarios += 1
        self.correct += outcome.correct
        self.chosen += outcome.chosen
        self.truths += outcome.truths
        if outcome.clock_error_s is not None:
            self.clock_errors.append(outcome.clock_error_s)

    @property
    def precision(self) -> float:
        return self.correct / self.chosen if self.chosen else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.truths if self.truths else 1.0


import bench.scenario_cuts as scenario_cuts  # noqa: E402 - its families build on this module

FAMILIES = (*FAMILIES, *scenario_cuts.CUT_FAMILIES)
