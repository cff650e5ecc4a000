"""pettenlogic: Dutch social-domain privacy guidance as executable, provable rules."""

from .decision import Decision
from .model.convert import InvalidInput, flow_from_json, flow_to_json
from .model.flow import Flow
from .rulebook import Rulebook, load_rulebook
from .rules.loader import SpecError

__all__ = [
    "Decision",
    "Flow",
    "InvalidInput",
    "Rulebook",
    "SpecError",
    "flow_from_json",
    "flow_to_json",
    "load_rulebook",
]
__version__ = "0.1.0"
