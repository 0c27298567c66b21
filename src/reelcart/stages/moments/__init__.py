"""From order spikes back to the pitch and call to action that caused them, as a list of segments.

1. ``text``: the transcript is split into sentences (punctuation, or pauses); text is folded for
   matching (case, accents, Arabic letter forms, traditional Chinese to simplified).
2. ``matching``: each sentence is matched, fuzzily and on word boundaries, against every product's
   name and aliases and the lexicons of every language (the recording's own first): calls to
   action, live-only offers, digressions, fillers.
3. ``pitch``: sentences are grouped into pitch blocks, each from the sentence introducing a product
   through its continuation sentences; the block whose action point (its last call to action)
   lies in the look-back window before a spike is the pitch.
4. ``cuts`` / ``edges``: live-only offers, digressions, dead air and (optionally) fillers are cut
   from the middle, never inside a word; what is left are the reel's segments.
5. ``fit``: the pitch is fitted to the preset's length on sentence boundaries.
6. ``assemble`` / ``plan``: candidates are scored with named parts and chosen without overlap; the
   plan says why each spike did or did not make a reel. ``editor``: plans edited by hand.
"""

from .assemble import Candidate, build_moment, score_parts
from .editor import apply_editor_plan, check_plan_times, load_plan
from .matching import annotate, match_phrase, product_terms
from .pitch import pitch_anchors, pitch_blocks
from .plan import plan_moments, resolve_padding
from .text import Sentence, normalize_text, split_sentences

STAGE = "moments"
VERSION = 3

__all__ = [
    "STAGE", "VERSION", "Candidate", "Sentence", "annotate", "apply_editor_plan", "build_moment", "check_plan_times",
    "load_plan", "match_phrase", "normalize_text", "pitch_anchors", "pitch_blocks", "plan_moments", "product_terms",
    "resolve_padding", "score_parts", "split_sentences",
]
