"""The word segmenter as a scikit-learn transformer, apart from :mod:`~vnflag.text.segmentation` so that
segmenting a text (``vnflag normalize``) never imports scikit-learn."""

from __future__ import annotations

from collections.abc import Iterable

from sklearn.base import BaseEstimator, TransformerMixin

from .segmentation import segment_texts

__all__ = ["Segmenter"]


class Segmenter(TransformerMixin, BaseEstimator):
    """Batch word segmentation with underthesea, in this process; each distinct text is segmented once.

    Examples
    --------
    >>> Segmenter().transform(["người dân", "người dân"])
    ['người_dân', 'người_dân']
    """

    def fit(self, X=None, y=None) -> Segmenter:
        """Nothing to learn; returns ``self``."""
        return self

    def transform(self, X: Iterable[str]) -> list[str]:
        """Segment normalised texts, returning one string per input, in order (:func:`segment_texts`)."""
        return segment_texts(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.requires_fit = False
        return tags
