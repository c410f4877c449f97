"""Validated questionnaires: a data model loaded from the KB and one generic scorer."""

from spinecare.core.instruments.model import Instrument
from spinecare.core.instruments.scoring import InstrumentResult, score, score_mapping

__all__ = ["Instrument", "InstrumentResult", "score", "score_mapping"]
