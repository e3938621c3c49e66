"""Built-in generic steps: generate, passthrough, route (a ``Router``), explode (fan-out), and the
``Filter`` base class. Fan-in needs no step of its own: any step with several upstream steps merges them.
"""

from hadron.runtime.steps.explode import Explode
from hadron.runtime.steps.filter import Filter
from hadron.runtime.steps.generate import Generate
from hadron.runtime.steps.passthrough import Passthrough
from hadron.runtime.steps.route import RouteByColumn, Router

__all__ = ["Explode", "Filter", "Generate", "Passthrough", "RouteByColumn", "Router"]
