"""Built-in generic steps: generate, passthrough, route (a ``Router``), explode (fan-out), the
``Filter`` base class and the filters built on it (exact and MinHash dedup). Fan-in needs no step of its
own: any step with several upstream steps merges them.
"""

from hadron.runtime.steps.exact_dedup import ExactDedup
from hadron.runtime.steps.explode import Explode
from hadron.runtime.steps.filter import FieldsFilter, Filter
from hadron.runtime.steps.generate import Generate
from hadron.runtime.steps.minhash_dedup import MinHashDedup
from hadron.runtime.steps.passthrough import Passthrough
from hadron.runtime.steps.route import RouteByColumn, Router

__all__ = ["ExactDedup", "Explode", "FieldsFilter", "Filter", "Generate", "MinHashDedup", "Passthrough",
           "RouteByColumn", "Router"]
