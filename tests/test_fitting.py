"""An open incident against an edited plan: what no longer maps, named as it was stored."""

from dataclasses import replace
from datetime import timedelta

import pytest
from support import SMALL_PLAN, T0, small_plan

from bot.domain.fitting import Drift, DriftKind, PlanGone, fit
from bot.domain.grading import Reason, reason_text, reasons_for
from bot.domain.incident import Incident
from bot.domain.lifecycle import State
from bot.domain.obligations import Anchors, ObStatus, schedule, spec_for, task_spec
from bot.domain.progress import open_reports
from bot.domain.text import LText
from bot.domain.timing import what_is_due

STORED = small_plan()
H = timedelta(hours=1)


def graded(level: str = "high", answers: dict[str, str] | None = None) -> Incident:
    """An active incident of the small plan, graded at ``level``."""
    obligations = schedule(STORED, level, Anchors(T0)).states
    return Incident(
        1,
        7,
        "small",
        "telegram:-1",
        State.ACTIVE,
        "telegram:3",
        "x",
        T0,
        level_id=level,
        answers=answers or {"reach": "high", "media": "yes", "hurt": "no"},
        obligations=obligations,
    )


HURT_QUESTION = """\
  - id: hurt
    text: 人员伤亡？
    options:
      - {id: "yes", text: 是, reason: 造成人员伤亡}
      - {id: "no", text: 否}
"""
assert HURT_QUESTION in SMALL_PLAN

ROLE_REMOVED = (  # the office role gone, everything it did given to the leader
    SMALL_PLAN.replace("owner: office", "owner: leader")
    .replace("  office: {title: 办公室, members: [clerk]}\n", "")
    .replace("notify: [office]", "notify: [leader]")
    .replace("notify: [leader, office]", "notify: [leader]")
    .replace("approve: [office]", "approve: [leader]")
    .replace(
        "follow_up: {every: 4h, for: 12h, owner: office}",
        "follow_up: {every: 4h, for: 12h, owner: leader}",
    )
    .replace("review: {within: 3d, owner: office", "review: {within: 3d, owner: leader")
)

EDITS = {
    # kind of edit: (the edited plan text, the drift expected with its stored name)
    "option renamed": (
        SMALL_PLAN.replace("{id: high, text: 多", "{id: lots, text: 多")
        .replace("reach: [mid, high]", "reach: [mid, lots]")
        .replace("{reach: high, hurt", "{reach: lots, hurt"),
        Drift(DriftKind.OPTION, "high", LText("多"), "reach"),
    ),
    "question removed": (
        SMALL_PLAN.replace(HURT_QUESTION, "").replace(
            '        - {reach: high, hurt: "yes"}\n', "        - {reach: high}\n"
        ),
        Drift(DriftKind.QUESTION, "hurt", LText("人员伤亡？")),
    ),
    "level renamed": (
        SMALL_PLAN.replace("  - id: high\n    name: 重大", "  - id: severe\n    name: 重大"),
        Drift(DriftKind.LEVEL, "high", LText("重大")),
    ),
    "task renamed": (
        SMALL_PLAN.replace("{id: report, text: 上报", "{id: report_up, text: 上报"),
        Drift(DriftKind.TASK, "report", LText("上报")),
    ),
    # a role removed with a task it owned: the task keeps the role, by its stored title
    "role removed with a task": (
        ROLE_REMOVED.replace("{id: report, text: 上报", "{id: report_up, text: 上报"),
        Drift(DriftKind.ROLE, "office", LText("办公室")),
    ),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_each_kind_of_edit_is_drift_named_as_stored(edit: str) -> None:
    text, expected = EDITS[edit]
    current = small_plan(text)
    incident = graded()
    fitted = fit(current, STORED, incident)
    assert expected in fitted.drift
    plan = fitted.plan
    for ob in incident.obligations:  # every task, its owner and its reminders are found
        spec = spec_for(plan, "high", ob.id)
        assert spec.owner in plan.roles
    for question, option in incident.answers.items():
        assert plan.option(question, option).text.get("zh_CN") != ""
    assert plan.level("high").name.get("zh_CN") == "重大"
    what_is_due(
        incident.snapshot(), plan, T0 + 3 * 3600 * __import__("datetime").timedelta(seconds=1)
    )


def test_without_a_stored_copy_ids_stand_in_for_names() -> None:
    text, _ = EDITS["task renamed"]
    fitted = fit(small_plan(text), None, graded())
    assert Drift(DriftKind.TASK, "report") in fitted.drift
    assert spec_for(fitted.plan, "high", "report").text.get("en") == "report"


def test_an_unchanged_plan_fits_as_it_is() -> None:
    incident = graded()
    assert fit(STORED, STORED, incident).plan is STORED
    assert fit(STORED, None, incident).drift == ()


def test_a_retired_level_is_decided_by_any_levels_approvers_and_never_graded_into() -> None:
    text, _ = EDITS["level renamed"]
    fitted = fit(small_plan(text), STORED, graded())
    level = fitted.plan.level("high")
    assert set(level.approve) == {"office", "leader"} and level.when is None
    assert fitted.retired(DriftKind.LEVEL, "high") and not fitted.retired(DriftKind.LEVEL, "severe")
    assert [lv.id for lv in fitted.plan.levels[:3]] == ["low", "mid", "severe"]


def test_reasons_stand_as_graded_with_the_stored_option_names() -> None:
    text, _ = EDITS["option renamed"]
    incident = replace(
        graded(), extra={"graded": {"level": "high", "reasons": [["reach", "high"]]}}
    )
    plan = fit(small_plan(text), STORED, incident).plan
    reasons = reasons_for(incident, plan)
    assert reasons == (Reason("reach", "high"),)
    assert [reason_text(plan, r, "zh_CN") for r in reasons] == ["传播很广"]
    assert reasons_for(replace(incident, level_id="mid"), plan) is None  # set by a leader


def test_a_renamed_plan_is_drift_and_a_missing_one_falls_back_to_the_stored_copy() -> None:
    renamed = small_plan(SMALL_PLAN.replace("id: small", "id: small2", 1))
    assert Drift(DriftKind.PLAN, "small", STORED.title) in fit(renamed, STORED, graded()).drift
    gone = fit(None, STORED, graded())
    assert gone.plan == STORED and gone.drift == (Drift(DriftKind.PLAN, "small", STORED.title),)
    with pytest.raises(PlanGone):
        fit(None, None, graded())


def test_met_and_dropped_tasks_of_other_levels_keep_their_words() -> None:
    incident = graded("mid")
    moved = schedule(STORED, "high", Anchors(T0), incident.obligations)
    incident = replace(incident, level_id="high", obligations=moved.states)
    dropped = [ob.id for ob in incident.obligations if ob.status is ObStatus.DROPPED]
    assert dropped == ["reply", "verify"]
    fitted = fit(STORED, STORED, incident)
    assert fitted.drift == ()
    assert spec_for(fitted.plan, "high", "verify").text.get("zh_CN") == "核实"


def test_a_role_whose_tasks_went_to_another_is_no_drift() -> None:
    fitted = fit(small_plan(ROLE_REMOVED), STORED, graded())
    assert fitted.drift == ()
    assert spec_for(fitted.plan, "high", "report").owner == "leader"  # done by its new owner


def test_a_task_met_before_a_regrade_keeps_its_own_levels_words() -> None:
    worded = small_plan(
        SMALL_PLAN.replace(
            "{id: reply, text: 回复, owner: office, within: 1h}",
            "{id: reply, text: 一小时内回复, owner: office, within: 1h}",
        )
    )
    incident = graded("mid")
    met = tuple(
        replace(ob, status=ObStatus.MET, met_at=T0) if ob.id == "reply" else ob
        for ob in incident.obligations
    )
    moved = schedule(worded, "low", Anchors(T0), met)
    reply = next(ob for ob in moved.states if ob.id == "reply")
    assert (reply.level, reply.status) == ("mid", ObStatus.MET)
    assert task_spec(worded, "low", reply).text.get("zh_CN") == "一小时内回复"
    assert spec_for(worded, "low", "reply").text.get("zh_CN") == "回复"


def test_progress_reports_fit_while_the_plan_keeps_the_series_and_are_drift_when_it_drops_it() -> (
    None
):
    series = "    progress: {every: 2h, owner: office}\n"
    marker = "      - {id: release, text: 通稿, owner: office, within: 2h, approval: [leader]}\n"
    with_reports = small_plan(SMALL_PLAN.replace(marker, marker + series))
    incident = graded()
    confirmed = replace(incident, confirmed_at=T0)
    opened = open_reports(with_reports, "high", confirmed.anchors, (), T0 + 3 * H).opened
    incident = replace(confirmed, obligations=(*confirmed.obligations, *opened))
    kept = fit(with_reports, with_reports, incident)
    assert kept.drift == ()
    retuned = small_plan(SMALL_PLAN.replace(marker, marker + series.replace("2h", "4h")))
    assert fit(retuned, with_reports, incident).drift == ()  # a new cadence is no drift
    dropped = fit(STORED, with_reports, incident)
    assert {d.id for d in dropped.drift} == {"progress-1", "progress-2"}
    assert dropped.drift[0].shown("zh_CN") == "报送处置进展（续报）（第1次）"
    due = what_is_due(incident.snapshot(), dropped.plan, T0 + 3 * H)
    assert "progress-1" in {r.obligation for r in due.reminders}  # still owed, still reminded
    assert due.opened == ()  # the plan owes no more reports


def test_a_regrade_after_the_series_was_dropped_keeps_each_report_once() -> None:
    series = "    progress: {every: 2h, owner: office}\n"
    marker = "      - {id: release, text: 通稿, owner: office, within: 2h, approval: [leader]}\n"
    with_reports = small_plan(SMALL_PLAN.replace(marker, marker + series))
    incident = replace(graded(), confirmed_at=T0)
    opened = open_reports(with_reports, "high", incident.anchors, (), T0 + 3 * H).opened
    incident = replace(incident, obligations=(*incident.obligations, *opened))
    fitted = fit(STORED, with_reports, incident).plan
    for level in ("mid", "high"):
        states = schedule(fitted, level, incident.anchors, incident.obligations).states
        ids = [state.id for state in states]
        assert len(ids) == len(set(ids))
