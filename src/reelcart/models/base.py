"""The base of every artifact: strict models, the schema version, a time range."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

SCHEMA_VERSION = 1


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Artifact(Strict):
    schema_version: int = SCHEMA_VERSION


class TimeRange(Strict):
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s
