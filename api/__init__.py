"""HTTP API of the recording service: recorders upload hearings, staff follow their status.

``create_app(settings)`` builds the FastAPI app (:mod:`api.app`). The package imports
only ``protocol``, ``storage`` and ``worker.contracts`` of the project: the API process
stays small and starts fast, and enqueues work by task name.
"""

from api.app import create_app
from api.settings import ApiSettings

__all__ = ["ApiSettings", "create_app"]
