"""One open incident affected by a plan edit, as a line for ``check-plan --database``."""

from __future__ import annotations

from bot.domain.fitting import DriftKind
from bot.domain.messages import N_
from bot.domain.text import listed
from bot.i18n import Translator
from bot.render.messages import drift_item
from bot.render.words import state_name
from bot.service.drift import drift_data
from bot.service.impact import Affected


def impact_line(item: Affected, t: Translator) -> str:
    """``#3（county，重大，处置中）：…`` — what the edit means for the incident."""
    incident = item.incident
    head = t(
        "cli.check_plan.incident",
        number=incident.number,
        plan=incident.plan_id,
        level=incident.level_id or "—",
        state=state_name(t, incident.state),
    )
    parts = []
    if item.lost:
        parts.append(t(N_("cli.check_plan.lost")))
    elif item.impact.gone:
        parts.append(t(N_("cli.check_plan.gone")))
    if item.impact.asked_again:
        parts.append(t(N_("cli.check_plan.asked_again")))
    drift = [d for d in item.impact.drift if not (item.impact.gone and d.kind is DriftKind.PLAN)]
    if drift:
        items = listed((drift_item(drift_data(d), t) for d in drift), t.lang)
        parts.append(t(N_("cli.check_plan.drift"), items=items))
    return head + t("cli.grade.separator").join(parts)
