"""Default lexicons of what a reel cuts from the middle of a pitch: digressions and filler words.

Phrases are matched like the call-to-action lexicon (normalized text, on word boundaries, "*"
for one to three words). A digression is host talk a replay viewer has no use for inside a pitch:
reading comments out, greeting viewers, checking the stock, a sip of water. Fillers are matched
exactly, as whole words (or, for Chinese, whole tokens).
"""

from __future__ import annotations

DEFAULT_DIGRESSION_PHRASES: dict[str, list[str]] = {
    "en": [
        "thank you * for joining", "thanks * for joining", "thank you for joining", "thanks for joining",
        "thank you * for the", "thanks * for the", "hello to", "hi to", "welcome to everyone", "welcome everyone",
        "good to see you", "someone asked", "someone is asking", "is asking about", "asked about", "let me check the stock",
        "let me check", "let me read", "reading your comments", "reading the comments", "give me one second",
        "give me a second", "one second", "sip of", "fix the light", "we just crossed",
    ],
    "es": [
        "gracias * por acompañarnos", "gracias por acompañarnos", "bienvenidos a todos", "alguien pregunta",
        "déjenme revisar el stock", "déjenme ver el stock", "un segundo", "déjenme tomar", "saludos a",
    ],
    "ar": [
        "شكرا * على المتابعة", "شكرا على المتابعة", "أهلا بكل من", "أحدكم سأل", "دقيقة أشرب", "خلوني أشوف المخزون",
        "ثانية واحدة",
    ],
    "vi": [
        "cảm ơn * đã xem", "cảm ơn các bạn đã xem", "chào các bạn mới vào", "có bạn hỏi", "để mình kiểm tra kho",
        "cho mình uống", "đợi mình một chút",
    ],
    "zh": ["谢谢*来看直播", "欢迎刚进来的", "有人问", "我看一下库存", "我先喝口水", "稍等一下"],
}

DEFAULT_FILLERS: dict[str, list[str]] = {
    "en": ["um", "umm", "uh", "uhh", "erm", "er", "hmm", "mm", "you know", "i mean", "kind of like"],
    "es": ["eh", "este", "o sea", "pues", "em", "mmm"],
    "ar": ["يعني", "اه", "امم", "إمم", "يعني يعني"],
    "vi": ["ờ", "à", "ừm", "kiểu", "kiểu như", "thì là"],
    "zh": ["嗯", "呃", "那个", "就是", "然后呢"],
}
