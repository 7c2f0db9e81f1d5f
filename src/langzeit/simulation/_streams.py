"""Simulation layer: one random stream per random quantity of a replication.

A replication's generator is split with ``Generator.spawn`` into independent
child generators, one for each kind of draw (arrivals, take-up, hazards, each
phase's stays, …), always in the same order. Each quantity's values then depend
only on the seed and on how many values of *that* quantity were drawn before — not
on how the draws of different quantities interleave in the event loop. This is
what lets the queue kernel (``_queue``) draw a whole column at once and still get
the values the event loop draws one at a time, and it gives common random numbers
across scenarios that differ in one part only (a variance-reduction technique for
:func:`~langzeit.simulation.compare`).
"""

from __future__ import annotations

import numpy as np

from langzeit.domain import Programme

__all__ = ["Streams"]

#: The fixed streams, in spawn order; the phases' stay streams follow in programme order.
STREAM_NAMES = ("arrivals", "agreement", "priority", "hazards", "routing", "completion", "extension",
                "follow_up", "plans", "scales", "patience", "aftercare")


class Streams:
    """The child generators of one replication (private to the simulation layer).

    Args:
        rng: the replication's generator; ``rng.spawn`` is called once for the fixed
            and the phases' streams, then once for each later stream (``reductions``), so
            a stream added later shifts none of those before it: scenarios that do not
            use it draw exactly what they drew before.
        programme: the programme; each non-terminal phase gets a stream of stays.

    Examples:
        >>> from langzeit.domain import Phase, Programme, Transition
        >>> prog = Programme("p", "P", phases=[Phase("a"), Phase("z", terminal=True)],
        ...                  transitions=[Transition("a", "z")])
        >>> one = Streams(np.random.default_rng(1), prog)
        >>> two = Streams(np.random.default_rng(1), prog)
        >>> one.agreement.random() == two.agreement.random(), sorted(one.duration)
        (True, ['a'])
    """

    __slots__ = ("aftercare", "agreement", "arrivals", "completion", "duration", "extension", "follow_up",
                 "hazards", "patience", "plans", "priority", "reductions", "routing", "scales")

    def __init__(self, rng: np.random.Generator, programme: Programme) -> None:
        phases = [p.id for p in programme.phases if not p.terminal]
        children = rng.spawn(len(STREAM_NAMES) + len(phases))
        (self.arrivals, self.agreement, self.priority, self.hazards, self.routing, self.completion,
         self.extension, self.follow_up, self.plans, self.scales, self.patience,
         self.aftercare) = children[:len(STREAM_NAMES)]
        self.duration: dict[str, np.random.Generator] = dict(
            zip(phases, children[len(STREAM_NAMES):], strict=True))
        self.reductions = rng.spawn(1)[0]  # Leistungsminderungen (issue 17): after all others
