"""The embedded intent classifier: character n-grams and a linear model, in process.

It is trained from the same ``nlu/data`` files as the Rasa project, cached on disk
under a digest of those files, and retrained whenever they change.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

from common.text import fold
from nlu.entities import LookupEntities
from nlu.model_cache import cached_model
from nlu.result import FALLBACK_INTENT, Parse
from nlu.training_data import Example, read_examples, training_files

log = logging.getLogger(__name__)

RANKING_SIZE = 5


def train(examples: list[Example]) -> Pipeline:
    pipeline = make_pipeline(
        TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), preprocessor=fold, sublinear_tf=True
        ),
        LogisticRegression(C=100.0, max_iter=3000),
    )
    pipeline.fit([e.text for e in examples], [e.intent for e in examples])
    return pipeline


class EmbeddedClassifier:
    def __init__(
        self, pipeline: Pipeline, threshold: float, path: Path, entities: LookupEntities
    ) -> None:
        self.pipeline = pipeline
        self.threshold = threshold
        self.path = path
        self.entities = entities
        self.labels: list[str] = [str(label) for label in pipeline.classes_]

    @classmethod
    def load(cls, data_dir: Path, cache_dir: Path, threshold: float) -> EmbeddedClassifier:
        files = training_files(data_dir)
        pipeline, path = cached_model(
            "nlu-embedded", files, cache_dir, lambda: train(read_examples(files))
        )
        return cls(pipeline, threshold, path, LookupEntities.load(files))

    def parse(self, text: str) -> Parse:
        if not any(ch.isalnum() for ch in text):
            return Parse(FALLBACK_INTENT, 0.0)
        probabilities = self.pipeline.predict_proba([text])[0]
        ranked = sorted(zip(self.labels, probabilities, strict=True), key=lambda p: -p[1])
        ranking = tuple((label, round(float(p), 4)) for label, p in ranked[:RANKING_SIZE])
        best, confidence = ranking[0]
        entities = tuple(self.entities.extract(text))
        if confidence < self.threshold:
            return Parse(FALLBACK_INTENT, confidence, ranking, entities)
        return Parse(best, confidence, ranking, entities)
