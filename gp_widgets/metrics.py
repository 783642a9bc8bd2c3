"""``gp.metrics``: the built-in metrics and the protocol any other metric follows.

A metric is an object with ``name``, ``unit``, ``higher_is_better``, ``role`` and
``compute(original, variant, face_box) -> float``, or just a function of those three arguments
(``gp.sweep(..., metrics=[gp.metrics.identity, my_metric])``), or a built-in's name (``metrics=["identity",
"smile"]``). ``gp.metric(unit=..., role=..., moves=...)`` gives a function the unit and role that tables,
figures and the saved manifest show (its docstring's first line is its definition). Pixel metrics need nothing more;
``identity``, ``smile`` and ``landmark_shift`` need the ``analysis`` extra and otherwise give NaN with
the reason naming it. The built-ins are those of the one registry,
:data:`gp_widgets.analysis.metrics.BUILTINS`, each here by its name.
"""

from __future__ import annotations

from .analysis.measures import SAME_PERSON_THRESHOLD
from .analysis.metrics import BUILTINS, Metric, MetricUnavailable, as_metric, metric

globals().update({metric.name: metric for metric in BUILTINS})

__all__ = ["BUILTINS", "SAME_PERSON_THRESHOLD", "Metric", "MetricUnavailable", "as_metric", "metric",
           *(metric.name for metric in BUILTINS)]
