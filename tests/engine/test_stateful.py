"""Hypothesis state machine over random command sequences: the engine's invariants hold.

* places, phase places and caseloads are never exceeded — now, and on every past day;
* replaying the store's events reproduces the engine's state exactly (one fold);
* the engine's books equal the books counted from the replayed states;
* a refused command writes nothing, and ``check()`` names the same failures;
* repeat participation: a person's participation number is their number of referrals,
  and the indicators' columns split the log into exactly those participations.
* cooperation plans and Leistungsminderungen: every written reduction is what the law in
  force gave for the history before it, running reductions never exceed 30 % together
  (§ 31a Abs. 4; withdrawals under Abs. 7 excepted), a Schlichtung is open at most once;
  every participant holding a place has exactly one plan review due, at most six months
  after the plan's last agreement or Fortschreibung (or after admission without a plan).
* contacts: a participation's ``contacts`` is the number of RecordContact commands
  accepted since the person's latest referral, ``last_contact`` the day of the latest,
  and every ``contacted`` event has a known channel, minutes >= 0 and a registered coach.
* eligibility (a § 16i programme, :class:`EligibilityMachine`): every admission — by command
  or from the waiting list — is of a participant whose known facts pass § 16i on that day.
"""

from datetime import date, timedelta

import attrs
from dateutil.relativedelta import relativedelta
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from engine._support import COACH_A, COACH_B, COACH_C, D0, TANDEM, TK_NORD, new_engine, small_programme
from langzeit.domain import (
    EligibilityFacts,
    ExitReason,
    OutcomeKind,
    Participant,
    PastReduction,
    decide_reduction,
    eligibility,
)
from langzeit.engine import (
    Admit,
    AgreeParticipation,
    AgreePlan,
    Assess,
    AssignCoach,
    AssignTandem,
    Command,
    Decline,
    EndAftercare,
    EndSchlichtung,
    EnterPhase,
    Exit,
    Extend,
    PathwayEngine,
    Pause,
    RecordConsent,
    RecordContact,
    RecordFollowUp,
    ReduceBenefit,
    Refer,
    Resume,
    StartAftercare,
    StartSchlichtung,
    TransitionRefused,
    UpdatePlan,
    Waitlist,
    WithdrawConsent,
)
from langzeit.engine._books import Books
from langzeit.events import CONTACT_CHANNELS, Admitted, Contacted, PlanAgreed, PlanUpdated, Referred, replay
from langzeit.indicators import EventColumns

PIDS = [f"p{i}" for i in range(9)]
PLACES = 5
PHASES = ["intake", "clinic", "work", "exit", "dropout"]


def build(kind: str, pid: str, day: date, pick: int) -> Command:
    """A command of ``kind``; ``pick`` chooses among its variants."""
    makers = {
        "refer": lambda: Refer(pid, day),
        "agree": lambda: AgreeParticipation(pid, day),
        "assess": lambda: Assess(pid, day),
        # the clinic a phase exchanges data with, or the employer of coaches b and c (and of tandem t1)
        "consent": lambda: RecordConsent(pid, day, ("tk-nord", "traeger")[pick % 2]),
        "withdraw": lambda: WithdrawConsent(pid, day, ("tk-nord", "traeger")[pick % 2]),
        "admit": lambda: Admit(pid, day, priority=pick % 3, waitlist=pick % 4 != 0),
        "waitlist": lambda: Waitlist(pid, day, priority=pick % 3),
        "decline": lambda: Decline(pid, day),
        "enter": lambda: EnterPhase(pid, day, PHASES[pick % len(PHASES)]),
        "exit": lambda: Exit(pid, day, list(ExitReason)[pick % len(ExitReason)],
                             OutcomeKind.SVP if pick % 2 else OutcomeKind.NONE,
                             None if pick % 3 else "dropout"),
        "pause": lambda: Pause(pid, day),
        "resume": lambda: Resume(pid, day),
        "coach": lambda: AssignCoach(pid, day, "abc"[pick % 3]),
        "tandem": lambda: AssignTandem(pid, day, "t1"),
        "extend": lambda: Extend(pid, day),
        "plan": lambda: AgreePlan(pid, day, "Ziel"),
        "aftercare": lambda: StartAftercare(pid, day),
        "end_aftercare": lambda: EndAftercare(pid, day),
        "follow_up": lambda: RecordFollowUp(pid, day, 6 * (1 + pick % 2), OutcomeKind.MINIJOB),
        "update_plan": lambda: UpdatePlan(pid, day, "" if pick % 2 else "Neues Ziel",
                                          None if pick % 3 else day + timedelta(days=30 * (1 + pick % 8))),
        "schlichtung": lambda: StartSchlichtung(pid, day, "participant" if pick % 2 else "jobcenter"),
        "end_schlichtung": lambda: EndSchlichtung(pid, day, [True, False, None][pick % 3]),
        "reduce": lambda: ReduceBenefit(pid, day, ["duty_breach", "missed_appointment", "work_refusal",
                                                   "duty_breach"][pick % 4],
                                        hardship=pick % 7 == 6, coaching_breakoff=pick % 5 == 4,
                                        months=pick % 3),
        # mostly valid; now and then an unknown channel, negative minutes or an unknown coach
        "contact": lambda: RecordContact(pid, day, "fax" if pick == 7 else CONTACT_CHANNELS[pick % 5],
                                         "zz" if pick == 6 else "abc"[pick % 3],
                                         -1 if pick == 5 else 15 * pick),
    }
    return makers[kind]()


KINDS = sorted(["refer", "agree", "assess", "consent", "withdraw", "admit", "waitlist", "decline", "enter",
                "exit", "pause", "resume", "coach", "tandem", "extend", "plan", "aftercare", "end_aftercare",
                "follow_up", "update_plan", "schlichtung", "end_schlichtung", "reduce", "contact"])

#: Commands that make sense in each status (most steps use these, so runs get deep).
PLAUSIBLE = {
    None: ["refer"],
    "referred": ["agree", "agree", "assess", "consent", "admit", "admit", "waitlist", "decline", "contact"],
    "waitlisted": ["assess", "consent", "admit", "decline", "contact"],
    "active": ["enter", "enter", "enter", "exit", "exit", "pause", "coach", "coach", "coach", "tandem",
               "tandem", "extend", "plan", "consent", "assess", "withdraw", "plan", "update_plan",
               "schlichtung", "end_schlichtung", "reduce", "reduce", "contact", "contact"],
    "paused": ["resume", "resume", "exit", "contact"],
    "exited": ["follow_up", "aftercare", "end_aftercare", "refer", "contact"],
    "declined": ["refer"],
    "reneged": ["refer"],
}


class EngineMachine(RuleBasedStateMachine):
    """Random commands against an engine with 5 places, a 2-place phase, coaches and a tandem."""

    discipline = "fifo"

    def __init__(self) -> None:
        super().__init__()
        self.engine = new_engine(places=PLACES, discipline=self.discipline, max_wait="2 months")
        self.today = D0
        self.accepted = 0
        self.refused = 0
        #: per person: (RecordContact accepted since the latest referral, the latest one's day)
        self.contacts: dict[str, tuple[int, date | None]] = {}

    @rule(days=st.integers(0, 45))
    def advance(self, days: int) -> None:
        """The model clock moves on."""
        self.today += timedelta(days=days)

    @rule(batch=st.lists(st.tuples(st.integers(0, len(PIDS) - 1), st.integers(0, 27),
                                    st.sampled_from([0, 0, 0, 0, 3, 20]), st.integers(0, 7)),
                          min_size=1, max_size=12))
    def commands(self, batch: list[tuple[int, int, int, int]]) -> None:
        """Execute a few commands (usually plausible for the status, sometimes any, sometimes backdated)."""
        for who, pick, back, wild in batch:
            pid = PIDS[who]
            if wild == 0:
                kind = KINDS[pick % len(KINDS)]
            elif wild <= 2 or pid not in self.engine:
                kinds = PLAUSIBLE[self.engine.state(pid).status.value if pid in self.engine else None]
                kind = kinds[pick % len(kinds)]
            else:
                kind = self.progress(pid, pick)
            self.execute(build(kind, pid, self.today - timedelta(days=back), pick))
            self.places_and_caseloads_are_never_exceeded()
        self.today += timedelta(days=batch[0][1] % 14)

    def progress(self, pid: str, pick: int) -> str:
        """A command that moves the participant along (so that runs fill places and caseloads)."""
        state = self.engine.state(pid)
        status = state.status.value
        if status in ("referred", "waitlisted"):
            if state.agreed is None:
                return "agree"
            if pick % 3 == 0 and state.assessed is None:
                return "assess"
            if pick % 3 == 1 and not state.consents:
                return "consent"
            return "admit"
        if status == "active":
            moves = ["coach", "tandem", "enter", "enter", "coach", "exit", "pause", "plan", "reduce",
                     "update_plan", "reduce", "schlichtung", "end_schlichtung", "contact", "contact",
                     "consent"]
            return moves[pick % len(moves)]
        return PLAUSIBLE[status][pick % len(PLAUSIBLE[status])]

    def execute(self, command: Command) -> None:
        """Execute ``command``; a refusal must write nothing and match ``check()``."""
        before_len = len(self.engine.store.events())
        before_states = self.engine.states()
        expected = self.engine.check(command)
        try:
            events = self.engine.execute(command)
        except TransitionRefused as refusal:
            failures = refusal.failures
        else:
            failures = ()
        if failures:
            self.refused += 1
            assert failures == expected
            assert len(self.engine.store.events()) == before_len
            assert self.engine.states() == before_states
        else:
            self.accepted += 1
            assert expected == ()
            assert len(self.engine.store.events()) == before_len + len(events)
            if isinstance(command, AssignCoach | AssignTandem):  # the case went only where consented
                recipients = (self.engine.assignment_recipients(coach=command.coach_id)
                              if isinstance(command, AssignCoach)
                              else self.engine.assignment_recipients(tandem=command.tandem_id))
                state = self.engine.state(command.participant_id)
                assert all(state.has_consent("data_exchange", org) for org in recipients), (command, state)
            if isinstance(command, Refer):
                self.contacts[command.participant_id] = (0, None)
            elif isinstance(command, RecordContact):
                self.contacts[command.participant_id] = (self.contacts[command.participant_id][0] + 1,
                                                         command.date)

    @rule()
    def renege(self) -> None:
        """Overdue waiting participants leave the list."""
        for event in self.engine.renege_overdue(self.today):
            assert event.type == "reneged"

    @rule()
    def fill(self) -> None:
        """Filling from the list never exceeds the places."""
        self.engine.admit_from_waiting_list(self.today)

    @invariant()
    def places_and_caseloads_are_never_exceeded(self) -> None:
        """Programme places, phase places, coach and tandem caseloads stay within limits."""
        occ = self.engine.occupancy()
        assert occ.occupied <= PLACES
        assert occ.in_phase("clinic") <= 2
        for row in self.engine.caseload().items:
            assert row.cases <= row.limit, row

    @invariant()
    def replay_reproduces_the_engine_state(self) -> None:
        """The engine's incremental state is exactly the replay of its store."""
        states = replay(self.engine.store.events())
        assert self.engine.states() == states
        books = Books.from_states(states.values())
        assert self.engine._books.snapshot() == books.snapshot()

    @invariant()
    def participations_are_the_referrals(self) -> None:
        """Each person's participation number counts their referrals; the columns split the same way."""
        events = self.engine.store.events()
        referrals: dict[str, int] = {}
        for e in events:
            if isinstance(e, Referred):
                referrals[e.participant_id] = referrals.get(e.participant_id, 0) + 1
        states = self.engine.states()
        assert {pid: s.participation for pid, s in states.items()} == referrals
        cols = EventColumns.from_events(events)
        assert cols.n_participants == sum(referrals.values())
        assert cols.n_persons == len(referrals)

    @invariant()
    def waiting_list_order_matches_the_replayed_order(self) -> None:
        """The live waiting list equals the one rebuilt from the log."""
        live = self.engine.waiting_list()
        assert live.entries == self.engine.waiting_list(as_of=date(2100, 1, 1)).entries

    @invariant()
    def reductions_are_what_the_law_gave(self) -> None:
        """Each reduction equals the law's decision on its history; running ones stay within 30 %."""
        for state in self.engine.states().values():
            history: list[PastReduction] = []
            for e in state.reductions:
                d = decide_reduction(e.ground, e.date, tuple(history),
                                     months=e.months if e.ground == "work_refusal" else None)
                assert d.allowed, d.refusals
                assert (d.percent, d.months, d.start, d.count) == (e.percent, e.months, e.start, e.count)
                history.append(PastReduction(e.ground, e.start, e.months, e.percent, e.count))
                running = sum(p.percent for p in history if p.start <= e.start <= p.end and p.percent < 100)
                assert running <= 30, state.reductions
            if state.schlichtung_since is not None:
                assert state.schlichtung_since >= date(2023, 7, 1)

    @invariant()
    def plan_reviews_are_due_within_six_months(self) -> None:
        """One plan_review per participant holding a place: the plan's review, or admission + 6 months."""
        reviews: dict[str, list[date]] = {}
        for d in self.engine.due(date(2100, 1, 1)).of_kind("plan_review"):
            reviews.setdefault(d.participant_id, []).append(d.date)
        last_plan: dict[str, date] = {}
        for e in self.engine.store.events():
            if isinstance(e, Referred):
                last_plan.pop(e.participant_id, None)
            elif isinstance(e, PlanAgreed | PlanUpdated):
                last_plan[e.participant_id] = e.date
        for pid, s in self.engine.states().items():
            if not s.occupies_place:
                assert pid not in reviews
                continue
            assert s.admitted is not None
            if s.plan_review is None:
                assert reviews[pid] == [s.admitted + relativedelta(months=6)]
            else:
                assert reviews[pid] == [s.plan_review]
                assert s.plan_review <= last_plan[pid] + relativedelta(months=6)

    @invariant()
    def contacts_are_the_accepted_record_contacts(self) -> None:
        """Contacts and the last contact follow the accepted RecordContact commands; events are valid."""
        states = self.engine.states()
        assert {pid: (s.contacts, s.last_contact) for pid, s in states.items()} == self.contacts
        for e in self.engine.store.events():
            if isinstance(e, Contacted):
                assert e.channel in CONTACT_CHANNELS
                assert e.minutes >= 0
                assert e.coach_id in ("a", "b", "c")

    def teardown(self) -> None:
        """On every day with events, the replayed occupancy and caseloads were within limits."""
        for day in sorted({e.date for e in self.engine.store.events()}):
            occ = self.engine.occupancy(as_of=day)
            assert occ.occupied <= PLACES, day
            assert occ.in_phase("clinic") <= 2, day
            for row in self.engine.caseload(as_of=day).items:
                assert row.cases <= row.limit, (day, row)
        fresh = new_engine(places=PLACES, discipline=self.discipline, max_wait="2 months",
                           store=self.engine.store)
        assert fresh.states() == self.engine.states()
        assert fresh.waiting_list() == self.engine.waiting_list()


class PriorityMachine(EngineMachine):
    """The same with the priority discipline."""

    discipline = "priority"


def machine_facts(pid: str, day: date) -> EligibilityFacts | None:
    """§ 16i facts that pass for most, fail for some and change with the day.

    p0 turns 25 on 01.06.2024, p1 reaches six years of benefit 191 days after D0, p3 worked
    too long, p2's facts are unknown.
    """
    i = int(pid[1:])
    if i == 2:
        return None
    facts = EligibilityFacts(birth_month="1970-01", benefit_days=2555, employment_days=0)
    if i == 0:
        return attrs.evolve(facts, birth_month="1999-06")
    if i == 1:
        return attrs.evolve(facts, benefit_days=2000 + (day - D0).days)
    if i == 3:
        return attrs.evolve(facts, employment_days=300)
    return facts


class EligibilityMachine(EngineMachine):
    """The same on a § 16i programme whose facts come from a callable."""

    def __init__(self) -> None:
        super().__init__()
        programme = attrs.evolve(small_programme(PLACES), instrument="16i")
        self.engine = PathwayEngine(programme, coaches=[COACH_A, COACH_B, COACH_C], tandems=[TANDEM],
                                    organisations=[TK_NORD], discipline=self.discipline,
                                    max_wait="2 months", eligibility_facts=machine_facts)

    @invariant()
    def admitted_participants_meet_every_known_fact(self) -> None:
        """No admission (by command or from the waiting list) fails a known § 16i fact on its day."""
        for e in self.engine.store.events():
            if isinstance(e, Admitted):
                facts = machine_facts(e.participant_id, e.date)
                r = eligibility("16i", Participant(e.participant_id), e.date, facts)
                assert r.eligible, (e, r.failures)


EngineMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=80, deadline=None)
PriorityMachine.TestCase.settings = settings(max_examples=25, stateful_step_count=80, deadline=None)
EligibilityMachine.TestCase.settings = settings(max_examples=20, stateful_step_count=80, deadline=None)
TestEngineMachine = EngineMachine.TestCase
TestEligibilityMachine = EligibilityMachine.TestCase
TestPriorityMachine = PriorityMachine.TestCase
