"""The local engine: the generative.photos HTTP API served on loopback.

Importing this package is cheap; the server pieces (starlette, uvicorn, scikit-image)
load only when an engine is created or started.
"""

from gp_widgets.local.config import EngineConfig
from gp_widgets.local.process import EngineProcess, start_engine

__all__ = ["EngineConfig", "EngineProcess", "start_engine", "create_app"]


def __getattr__(name: str):
    if name == "create_app":
        from gp_widgets.local.app import create_app

        return create_app
    raise AttributeError(name)
