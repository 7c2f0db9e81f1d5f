"""A deliberately naive, per-person reference implementation of DOMAIN.md § 3 (test oracle only).

It walks persons, days and months with plain Python (sets of covered days, dicts of
stocks) so that it shares no code and no trick with the vectorised implementation.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

# The activation set of § 2 Abs. 2 Nr. 1 VO as DOMAIN.md § 3 words it, written out here independently of
# the shipped catalogue: every § 16 measure (SGB III instruments opened to ELB), §§ 16d, 16f, 16i, the old
# § 16e (public employment started before 2019) and Soziale Teilhabe; not the Vermittlungsbudget, § 16a,
# § 16j, the employment-accompanying subsidies; 16k only on request.
ACTIVATION = {"16d", "16f", "16i", "16e_old", "staa", "45sgb3", "48sgb3", "51sgb3", "54asgb3", "74sgb3",
              "76sgb3", "81sgb3", "112sgb3"}
NEW_16E = dt.date(2019, 1, 1)
KIND_ORDER = {"svp": 0, "apprenticeship": 1, "self_employment": 2}
Cell = tuple[float | None, float | None, float | None, bool]


def _jc_key(label: str) -> tuple[int, int, str]:
    return (0, int(label), label) if label.isdigit() else (1, 0, label)


def _as_date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


class Oracle:
    """Naive § 48a computation for one reference month."""

    def __init__(
        self,
        records: Sequence[Mapping[str, Any]],
        *,
        data_end: dt.date,
        stichtag: int | None = None,
        regime: str = "2019",
        count_16k: bool = False,
        stock_window: str = "previous",
    ) -> None:
        self.data_end = data_end
        self.day = stichtag
        self.regime = regime
        self.stock_window = stock_window
        self.activation = ACTIVATION | ({"16k"} if count_16k else set())
        self.spells: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in records:
            start = _as_date(r["start"])
            end = _as_date(r.get("end")) or data_end
            self.spells[str(r["person_id"])].append({
                "kind": r["kind"], "start": start, "end": end,
                "jc": r.get("jobcenter") or None, "sex": (r.get("sex") or "").upper(),
                "sp": str(r.get("single_parent") or "0") in ("1", "True"),
                "instrument": (r.get("instrument") or "").lower(), "amount": r.get("amount"),
            })
        self.jobcenters = sorted(
            {s["jc"] for ss in self.spells.values() for s in ss if s["kind"] in ("elb", "llu", "luh")},
            key=_jc_key
        )
        self._stock_cache: dict[dt.date, dict[str, tuple[str, str, bool]]] = {}

    # ---- basic facts -----------------------------------------------------------------------
    def S(self, month: tuple[int, int], shift: int = 0) -> dt.date:  # noqa: N802 - the law's name
        """The Stichtag of the month ``shift`` months after ``month``."""
        y, m = month
        idx = y * 12 + m - 1 + shift
        y, m = divmod(idx, 12)
        last = calendar.monthrange(y, m + 1)[1]
        return dt.date(y, m + 1, last if self.day is None else min(self.day, last))

    def stock(self, s: dt.date) -> dict[str, tuple[str, str, bool]]:
        """Person -> (jobcenter, sex, single parent) of the deciding spell covering s."""
        if s not in self._stock_cache:
            out = {}
            for p, spells in self.spells.items():
                cover = [x for x in spells if x["kind"] == "elb" and x["start"] <= s <= x["end"]]
                if not cover:
                    continue
                latest = max(x["start"] for x in cover)
                # min() keeps the first of equal keys: the earlier row decides a full tie
                best = min((x for x in cover if x["start"] == latest), key=lambda x: _jc_key(x["jc"]))
                out[p] = (best["jc"], best["sex"], best["sp"])
            self._stock_cache[s] = out
        return self._stock_cache[s]

    def lzb(self, s: dt.date) -> dict[str, tuple[str, str, bool]]:
        """The stock at s restricted to persons with >= 638 covered days in [s - 729, s]."""
        out = {}
        for p, info in self.stock(s).items():
            days: set[int] = set()
            lo = s - dt.timedelta(days=729)
            for x in self.spells[p]:
                if x["kind"] != "elb":
                    continue
                d = max(x["start"], lo)
                while d <= min(x["end"], s):
                    days.add(d.toordinal())
                    d += dt.timedelta(days=1)
            if len(days) >= 638:
                out[p] = info
        return out

    def covers(self, person: str, kinds: set[str], s: dt.date, *, activation: bool = False) -> bool:
        """Whether a spell of these kinds (and an activation instrument, if asked) covers s."""
        return any(
            x["kind"] in kinds
            and x["start"] <= s <= x["end"]
            and (not activation or self.activates(x))
            for x in self.spells[person]
        )

    def activates(self, spell: Mapping[str, Any]) -> bool:
        """Convention 7: the instrument classes the spell as activation (§ 16e by the law at its start)."""
        code = spell["instrument"]
        return code in self.activation or (code == "16e" and spell["start"] < NEW_16E)

    def starts(self, month: tuple[int, int], kinds: set[str]) -> list[tuple[str, str, str, bool, bool]]:
        """(person, kind, jc, sex, single parent, lzb) of the attributed starts of one month."""
        lo, hi = self.S(month, -1), self.S(month)
        prev, cur = self.stock(lo), self.stock(hi)
        out = []
        for p, spells in self.spells.items():
            found = [x for x in spells if x["kind"] in kinds and lo < x["start"] <= hi]
            if not found:
                continue
            if p in prev:
                info, day = prev[p], lo
            elif p in cur:
                info, day = cur[p], hi
            else:
                continue
            first = min(found, key=lambda x: (x["start"], KIND_ORDER.get(x["kind"], 0)))
            out.append((p, first["kind"], info, day))
        return out

    # ---- cells -------------------------------------------------------------------------------
    def cells(self, month: dt.date) -> dict[tuple[str, str, str], Cell]:
        """(jobcenter, group, code) -> (numerator, denominator, value, available)."""
        m = (month.year, month.month)
        groups = ("all", "F", "M")

        def tally(items: Sequence[tuple[tuple[str, str, bool], float]]) -> dict[tuple[str, str], float]:
            c: dict[tuple[str, str], float] = defaultdict(float)
            for (jc, sex, _), w in items:
                c[(jc, "all")] += w
                if sex in ("F", "M"):
                    c[(jc, sex)] += w
            return c

        def stock_count(s: dt.date, who: Mapping[str, tuple[str, str, bool]]) -> dict[tuple[str, str], float]:
            return tally([(info, 1.0) for info in who.values()])

        def amounts(kind: str, mm: tuple[int, int]) -> dict[tuple[str, str], float]:
            # convention 8: every row of the month counts for the jobcenter on the row, ELB or not
            c: dict[tuple[str, str], float] = defaultdict(float)
            for spells in self.spells.values():
                for x in spells:
                    if x["kind"] == kind and (x["start"].year, x["start"].month) == mm:
                        c[(x["jc"], "all")] += float(x["amount"])
            return c

        shift = 1 if self.stock_window == "previous" else 0
        months = [self.S(m, -i - shift) for i in range(12)]  # S(m-1) ... S(m-12): the Vormonate
        avail = self.S(m) <= self.data_end
        out: dict[tuple[str, str, str], Cell] = {}

        def put(
            code: str,
            num: Mapping[tuple[str, str], float] | None,
            den: Mapping[tuple[str, str], float] | None,
            ok: bool,
            value_fn: Any = None,
        ) -> None:
            for jc in self.jobcenters:
                for g in groups:
                    if not ok or (code in ("K1", "K1E1") and g != "all"):
                        out[(jc, g, code)] = (None, None, None, False)
                        continue
                    if value_fn is not None:
                        v = value_fn(jc, g)
                        out[(jc, g, code)] = (None, None, v, v is not None)
                        continue
                    assert num is not None
                    assert den is not None
                    n, d = num.get((jc, g), 0.0), den.get((jc, g), 0.0)
                    out[(jc, g, code)] = (n, d, 100.0 * n / d if d else None, True)

        def window_starts(kinds: set[str]) -> list[tuple[str, str, tuple[str, str, bool], dt.date, int]]:
            items = []
            for i in range(12):
                mm_idx = m[0] * 12 + m[1] - 1 - i
                mm = divmod(mm_idx, 12)
                mm = (mm[0], mm[1] + 1)
                for p, kind, info, day in self.starts(mm, kinds):
                    items.append((p, kind, info, day, -i))
            return items

        if not avail:
            for code in (
                "K1", "K1E1", "K1E2", "K1E3", "K1E4", "K2", "K2E1", "K2E2", "K2E4",
                "K3", "K3E1", "K3E2", "K3E3", "K3E4",
            ):
                put(code, None, None, False)
        else:
            put("K1", amounts("llu", m), amounts("llu", (m[0] - 1, m[1])), True)
            put("K1E1", amounts("luh", m), amounts("luh", (m[0] - 1, m[1])), True)
            put("K1E2", stock_count(self.S(m), self.stock(self.S(m))),
                stock_count(self.S(m, -12), self.stock(self.S(m, -12))), True)

            def mean_rates(kind: str, lzb: bool) -> Any:
                def value(jc: str, g: str) -> float | None:
                    rates = []
                    for i in range(12):
                        s_now, s_prev = self.S(m, -i), self.S(m, -i - 1)
                        now = self.lzb(s_now) if lzb else self.stock(s_now)
                        prev = self.lzb(s_prev) if lzb else self.stock(s_prev)

                        def n_in(who: Mapping[str, tuple[str, str, bool]], ps: set[str]) -> int:
                            return sum(1 for p in ps if who[p][0] == jc and (g == "all" or who[p][1] == g))

                        if kind == "entries":
                            num = n_in(now, set(now) - set(prev))
                            den = n_in(now, set(now))
                        else:
                            num = n_in(prev, set(prev) - set(now))
                            den = n_in(prev, set(prev))
                        if den == 0:
                            return None
                        rates.append(num / den)
                    return 100.0 * sum(rates) / 12

                return value

            put("K1E3", None, None, True, mean_rates("entries", False))
            put("K1E4", None, None, True, mean_rates("exits", False))
            put("K3E3", None, None, True, mean_rates("entries", True))
            put("K3E4", None, None, True, mean_rates("exits", True))
            mean_stock = tally([(info, 1 / 12) for s in months for info in self.stock(s).values()])
            sp_stock = tally([(info, 1 / 12) for s in months for info in self.stock(s).values() if info[2]])
            lzb_stock = tally([(info, 1 / 12) for s in months for info in self.lzb(s).values()])
            integ = window_starts({"svp", "apprenticeship", "self_employment"})
            put("K2", tally([(info, 1.0) for _, _, info, _, _ in integ]), mean_stock, True)
            put("K2E1", tally([(i[2], 1.0) for i in window_starts({"minijob"})]), mean_stock, True)
            put("K2E2", tally([(i[2], 1.0) for i in window_starts({"public_employment"})]), mean_stock, True)
            put("K2E4", tally([(info, 1.0) for _, _, info, _, _ in integ if info[2]]), sp_stock, True)
            lz = [(info, 1.0) for p, _, info, day, _ in integ if p in self.lzb(day)]
            put("K3E1", tally(lz), lzb_stock, True)
            now_lzb = self.lzb(self.S(m))
            put("K3", tally([(i, 1.0) for i in now_lzb.values()]),
                tally([(i, 1.0) for i in self.lzb(self.S(m, -12)).values()]), True)
            act = [(info, 1.0) for p, info in now_lzb.items()
                   if self.covers(p, {"measure", "public_employment"}, self.S(m), activation=True)]
            put("K3E2", tally(act), tally([(i, 1.0) for i in now_lzb.values()]), True)
        # K2E3 and bedarfsdeckend have their own follow-up
        integ = window_starts({"svp", "apprenticeship", "self_employment"}) if avail else []
        follow = 6 if self.regime == "2019" else 12
        ok = avail and self.S(m, follow) <= self.data_end
        svp = [x for x in integ if x[1] == "svp"]

        def continuous(p: str, shift: int) -> bool:
            ks = range(1, 7) if self.regime == "2019" else [12]
            return all(self.covers(p, {"svp"}, self.S(m, shift + j)) for j in ks)

        put("K2E3", tally([(info, 1.0) for p, _, info, _, sh in svp if continuous(p, sh)]),
            tally([(info, 1.0) for _, _, info, _, _ in svp]), ok)
        ok3 = avail and self.S(m, 3) <= self.data_end
        gone = [(info, 1.0) for p, _, info, _, sh in integ if ok3 and p not in self.stock(self.S(m, sh + 3))]
        put("bedarfsdeckend", tally(gone), tally([(info, 1.0) for _, _, info, _, _ in integ]), ok3)
        return out
