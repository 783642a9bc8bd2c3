"""What a paper shows of a study, as methods of :class:`~gp_widgets.studies.study.Study` (mixed in): the
trade-off curve, accuracy at an identity budget, the leakage matrix, a table of means ± interval, and
saving a figure at a column width. Each works from the tidy table alone, so a loaded Parquet needs no network.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..analysis.measures import SAME_PERSON_THRESHOLD
from . import effects
from .paired import BinomialMethod

if TYPE_CHECKING:
    import pandas
    from matplotlib.figure import Figure

__all__ = ["DEFAULT_DELTA", "StudyReports"]

DEFAULT_DELTA = 0.02
"""The smallest target change counted as an edit that worked, in the target's unit (Δ smile per IOD)."""


class StudyReports:
    """Mixed into :class:`Study`, which provides ``to_dataframe()`` and ``metrics``."""

    metrics: list[dict[str, Any]]

    def to_dataframe(self) -> pandas.DataFrame:
        raise NotImplementedError

    def _pick(self, target: str | None, identity: str | None) -> tuple[str, str]:
        return (effects.metric_for("target", self.metrics, target, move="smile"),
                effects.metric_for("identity", self.metrics, identity))

    def tradeoff(self, target: str | None = None, identity: str | None = None) -> pandas.DataFrame:
        """Per move × param the mean target response (``y``) and identity distance (``x``), each with its
        95% interval: what an edit buys against what it costs (target default ``smile``)."""
        target, identity = self._pick(target, identity)
        return effects.tradeoff(self.to_dataframe(), target, identity)

    def tradeoff_figure(self, target: str | None = None, identity: str | None = None,
                        threshold: float | None = SAME_PERSON_THRESHOLD, dpi: int = 100) -> Figure:
        """The trade-off curve: one line per move through its params, intervals on both axes."""
        from .figures import tradeoff_figure

        target, identity = self._pick(target, identity)
        return tradeoff_figure(effects.tradeoff(self.to_dataframe(), target, identity), target=target,
                               identity=identity, threshold=threshold, dpi=dpi)

    def accuracy(self, delta: float = DEFAULT_DELTA, threshold: float = SAME_PERSON_THRESHOLD, *,
                 target: str | None = None, identity: str | None = None, signed: bool | None = None,
                 method: BinomialMethod = "wilson") -> pandas.DataFrame:
        """Editing accuracy at an identity budget, per move × param: the share of photos whose target moved
        by at least ``delta`` (towards the param's sign, for a signed target) with identity under
        ``threshold``, and its Wilson (or ``"clopper-pearson"``) interval."""
        target, identity = self._pick(target, identity)
        return effects.accuracy(self.to_dataframe(), target, identity, delta=delta, threshold=threshold,
                                signed=signed, method=method)

    def accuracy_figure(self, delta: float = DEFAULT_DELTA, threshold: float = SAME_PERSON_THRESHOLD, *,
                        target: str | None = None, identity: str | None = None, signed: bool | None = None,
                        method: BinomialMethod = "wilson", dpi: int = 100) -> Figure:
        """Accuracy against param per move, with its binomial band."""
        from .figures import accuracy_figure

        picked = self._pick(target, identity)
        table = self.accuracy(delta, threshold, target=picked[0], identity=picked[1], signed=signed, method=method)
        name = "Wilson" if method == "wilson" else "Clopper–Pearson"
        title = (f"Accuracy: {picked[0]} moved ≥ {delta:g} with {picked[1]} < {threshold:g} "
                 f"(95% {name} band)")
        return accuracy_figure(table, title=title, dpi=dpi)

    def leakage(self, param: float | None = None, attributes: Sequence[str] | None = None) -> pandas.DataFrame:
        """Moves × attributes (default: smile, landmark shift, pixels outside the face, identity, those
        measured), each the standardised mean change at ``param`` (default: the largest)."""
        names = [m["name"] for m in self.metrics]
        chosen = list(attributes) if attributes else [a for a in effects.LEAKAGE_ATTRIBUTES if a in names]
        if not chosen:
            raise ValueError(f"none of {effects.LEAKAGE_ATTRIBUTES} was measured; pass attributes= from {names}")
        return effects.leakage(self.to_dataframe(), chosen, param)

    def leakage_figure(self, param: float | None = None, attributes: Sequence[str] | None = None,
                       dpi: int = 100) -> Figure:
        """The leakage matrix as a heat map (diverging, centred on no change)."""
        from .figures import leakage_figure

        matrix = self.leakage(param, attributes)
        return leakage_figure(matrix, title=f"Leakage at param {matrix.attrs['param']:g}: standardised mean change",
                              dpi=dpi)

    def paper_table(self, fmt: Literal["markdown", "latex"] = "markdown", metrics: Sequence[str] | None = None,
                    digits: int = 3, labels: Mapping[str, str] | None = None) -> str:
        """Means ± 95% half-width per move × param × metric as Markdown or LaTeX (booktabs)."""
        return effects.paper_table(self.to_dataframe(), list(metrics or [m["name"] for m in self.metrics]),
                                   fmt=fmt, digits=digits, labels=labels)

    @staticmethod
    def save_figure(figure: Figure, path: str | os.PathLike[str],
                    width: Literal["column", "page"] | float = "column") -> Path:
        """``figure`` as vector PDF or SVG (by suffix) at a column or page width, fonts embedded."""
        from .figures import save_paper

        return save_paper(figure, path, width=width)
