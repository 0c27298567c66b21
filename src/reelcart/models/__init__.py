"""Typed artifacts passed between stages and saved as JSON in the run's work folder, one module per part
of the walk (``base``, ``media``, ``orders``, ``transcript``, ``plan``, ``output``).

Times are float seconds from the start of the recording, named ``*_s``; sizes in pixels ``*_px``.
"""

from .base import Strict, Artifact, TimeRange, SCHEMA_VERSION  # noqa: F401
from .media import MediaInfo, AudioTrack  # noqa: F401
from .orders import Product, Catalog, Order, RowProblem, OrderStats, Spike, ClockEstimate, SkuTimeline, SpikeReport  # noqa: F401
from .transcript import Word, Segment, RepairAttempt, Repair, NameCorrection, Transcript  # noqa: F401
from .plan import ScoreParts, CropKeyframe, CropShot, CropPlan, Cut, Moment, Rejected, PlanInputs, MomentPlan  # noqa: F401
from .output import RenderedReel, RenderResult, ManifestProduct, PlatformPost, ManifestReel, Exports, Manifest  # noqa: F401

__all__ = ['Strict', 'Artifact', 'TimeRange', 'SCHEMA_VERSION', 'MediaInfo', 'AudioTrack', 'Product', 'Catalog', 'Order', 'RowProblem', 'OrderStats', 'Spike', 'ClockEstimate', 'SkuTimeline', 'SpikeReport', 'Word', 'Segment', 'RepairAttempt', 'Repair', 'NameCorrection', 'Transcript', 'ScoreParts', 'CropKeyframe', 'CropShot', 'CropPlan', 'Cut', 'Moment', 'Rejected', 'PlanInputs', 'MomentPlan', 'RenderedReel', 'RenderResult', 'ManifestProduct', 'PlatformPost', 'ManifestReel', 'Exports', 'Manifest']
