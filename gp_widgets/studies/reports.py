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
from .effects import DEFAULT_DELTA
from .paired import BinomialMethod

if TYPE_CHECKING:
    import pandas
    from matplotlib.figure import Figure

    from ..figure_layout import Width

__all__ = ["DEFAULT_DELTA", "StudyReports"]

MetricRef = Any
"""A metric as reports take it: its name, the metric object or the metric function the study measured."""


class StudyReports:
    """Mixed into :class:`Study`, which provides ``to_dataframe()``, ``moves`` and ``metrics``."""

    metrics: list[dict[str, Any]]
    moves: tuple[str, ...]

    def to_dataframe(self) -> pandas.DataFrame:
        raise NotImplementedError

    def targets(self, targets: Mapping[str, MetricRef] | None = None) -> dict[str, str | None]:
        """Each move's own target measure (None: the move has none; pass ``targets={move: metric}``)."""
        return effects.move_targets(self.moves, self.metrics, targets)

    def _targets(self, target: MetricRef | None, targets: Mapping[str, MetricRef] | None) -> dict[str, str | None]:
        if target is not None:  # one measure for every move, named by the researcher
            name = effects.metric_name(target)
            return effects.move_targets(self.moves, self.metrics, {m: name for m in self.moves})
        return self.targets(targets)

    def _identity(self, identity: MetricRef | None) -> str:
        return effects.metric_for("identity", self.metrics,
                                  None if identity is None else effects.metric_name(identity))

    def _units(self) -> dict[str, str]:
        return {m["name"]: str(m.get("unit") or "") for m in self.metrics}

    def tradeoff(self, target: MetricRef | None = None, identity: MetricRef | None = None, *,
                 targets: Mapping[str, MetricRef] | None = None) -> pandas.DataFrame:
        """Per move × param the mean of the move's own target measure (``y``; NaN for a move without one,
        see :meth:`targets`) and the identity distance (``x``), each with its 95% interval: what an edit buys
        against what it costs. ``target``: one measure for every move instead."""
        return effects.tradeoff(self.to_dataframe(), self._targets(target, targets), self._identity(identity))

    def tradeoff_figure(self, target: MetricRef | None = None, identity: MetricRef | None = None,
                        threshold: float | None = SAME_PERSON_THRESHOLD, dpi: int = 100, *,
                        targets: Mapping[str, MetricRef] | None = None, width: Width = "screen") -> Figure:
        """The trade-off curve: a panel per target measure, one line per move through its params, intervals
        on both axes; moves without a target are named under it."""
        from .figures import tradeoff_figure

        ident = self._identity(identity)
        return tradeoff_figure(effects.tradeoff(self.to_dataframe(), self._targets(target, targets), ident),
                               identity=ident, threshold=threshold, units=self._units(), dpi=dpi, width=width)

    def accuracy(self, delta: float | Mapping[str, float] = DEFAULT_DELTA, threshold: float = SAME_PERSON_THRESHOLD,
                 *, target: MetricRef | None = None, targets: Mapping[str, MetricRef] | None = None,
                 identity: MetricRef | None = None, signed: bool | None = None,
                 method: BinomialMethod = "wilson") -> pandas.DataFrame:
        """Editing accuracy at an identity budget, per move × param: the share of photos whose move's own
        target measure moved by at least ``delta`` (in its unit; one value or one per move; towards the
        param's sign, for a signed target) with identity under ``threshold``, and its Wilson (or
        ``"clopper-pearson"``) interval. A move without a target (``age``, ``gender``, …) reads NaN and its
        ``note`` says to pass ``targets={move: metric}``; ``target``: one measure for every move instead."""
        return effects.accuracy(self.to_dataframe(), self._targets(target, targets), self._identity(identity),
                                delta=delta, threshold=threshold, signed=signed, method=method)

    def accuracy_figure(self, delta: float | Mapping[str, float] = DEFAULT_DELTA,
                        threshold: float = SAME_PERSON_THRESHOLD, *, target: MetricRef | None = None,
                        targets: Mapping[str, MetricRef] | None = None, identity: MetricRef | None = None,
                        signed: bool | None = None, method: BinomialMethod = "wilson", dpi: int = 100,
                        width: Width = "screen") -> Figure:
        """Accuracy against param per move, with its binomial band; moves without a target are named under it."""
        from .figures import accuracy_figure

        ident = self._identity(identity)
        table = self.accuracy(delta, threshold, target=target, targets=targets, identity=ident, signed=signed,
                              method=method)
        name = "Wilson" if method == "wilson" else "Clopper–Pearson"
        step = "the move's δ" if isinstance(delta, Mapping) else f"{delta:g}"
        title = f"Accuracy: own target moved ≥ {step} with {ident} < {threshold:g} (95% {name} band)"
        return accuracy_figure(table, title=title, dpi=dpi, width=width)

    def leakage(self, param: float | None = None, attributes: Sequence[str] | None = None) -> pandas.DataFrame:
        """Moves × attributes (default: the registry's — smile, landmark shift, pixels outside the face — and
        the researcher's own metrics, those measured; identity is a cost, see :meth:`leakage_figure`), each
        the standardised mean change at ``param`` (default: the largest)."""
        names = [m["name"] for m in self.metrics]
        chosen = list(attributes) if attributes else effects.leakage_attributes(self.metrics)
        if not chosen:
            raise ValueError(f"no leakage attribute was measured; pass attributes= from {names}")
        return effects.leakage(self.to_dataframe(), chosen, param)

    def leakage_figure(self, param: float | None = None, attributes: Sequence[str] | None = None,
                       dpi: int = 100, *, width: Width = "screen") -> Figure:
        """The leakage matrix as a heat map (diverging, centred on no change; values beyond the colour scale
        marked), with the identity distance beside it as the cost it is (its own scale), when measured."""
        from .figures import leakage_figure

        matrix = self.leakage(param, attributes)
        param = float(matrix.attrs["param"])
        ident = next((m["name"] for m in self.metrics if m.get("role") == "identity"), None)
        cost = effects.mean_at(self.to_dataframe(), ident, param) if ident else None
        return leakage_figure(matrix, cost=cost, cost_label=ident or "", units=self._units(),
                              title=f"Leakage at param {param:g}: standardised mean change", dpi=dpi, width=width)

    def paper_table(self, fmt: Literal["markdown", "latex"] = "markdown", metrics: Sequence[str] | None = None,
                    digits: int = 3, labels: Mapping[str, str] | None = None) -> str:
        """Means ± 95% half-width per move × param × metric, units in the header, as Markdown or LaTeX
        (booktabs, named in a comment on its first line; names escaped, ``labels`` taken as LaTeX)."""
        return effects.paper_table(self.to_dataframe(),
                                   [effects.metric_name(m) for m in metrics or [m["name"] for m in self.metrics]],
                                   fmt=fmt, digits=digits, labels=labels, units=self._units())

    @staticmethod
    def save_figure(figure: Figure, path: str | os.PathLike[str],
                    width: Literal["column", "page"] | float = "column") -> Path:
        """``figure`` as vector PDF or SVG (by suffix) at a column or page width, fonts embedded."""
        from .figures import save_paper

        return save_paper(figure, path, width=width)
