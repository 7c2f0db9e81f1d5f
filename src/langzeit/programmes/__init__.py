"""Programmes layer: shipped programme models from the seeds (DOMAIN.md § 4).

Real support programmes of the seed documents as phase models, shipped as TOML
files: rehapro Euregio rpE, PaN (Plön), Geh vor! (Halle), Sanus LE (Leipzig),
AktiVoReha (Mayen-Koblenz), GesA (Düsseldorf/Mettmann), LIPSY (Leipzig), PROGES
(Frankfurt), Segel setzen (Köln) and the regular Fallmanagement (1:60). Each file's
description cites the seed and names the assumptions made where the seed gives no
figure. This package imports only ``langzeit.domain``.

Examples:
    >>> from langzeit.programmes import list_programmes, load_programme
    >>> len(list_programmes())
    10
    >>> load_programme("fallmanagement").capacity.total
    900
"""

from langzeit.programmes._catalogue import list_programmes, load_programme, programme_source

__all__ = ["list_programmes", "load_programme", "programme_source"]
