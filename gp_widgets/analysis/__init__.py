"""Pure measurement of faces: detection, landmarks, descriptors and what is derived from them.

No widgets, no I/O beyond reading model files that installed packages ship. dlib and the models of
``face-recognition-models`` come with the ``analysis`` extra; without it, :class:`AnalysisUnavailable`
says what to install.
"""

from __future__ import annotations

from .models import AnalysisUnavailable

__all__ = ["AnalysisUnavailable"]
