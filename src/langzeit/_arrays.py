"""Cross-cutting: the numpy array type aliases of the columnar code, defined once (imports only numpy).

Examples:
    >>> import numpy as np
    >>> from langzeit._arrays import IntArray
    >>> days: IntArray = np.arange(3, dtype=np.int64)
    >>> days.dtype
    dtype('int64')
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["BoolArray", "FloatArray", "IntArray"]

#: Counts, codes, day numbers and row indices (``int64``).
IntArray = npt.NDArray[np.int64]
#: Shares, rates, months and other measurements (``float64``).
FloatArray = npt.NDArray[np.float64]
#: Row masks (``bool``).
BoolArray = npt.NDArray[np.bool_]
