"""Building the written report from an incident's facts: sections in the plans' order."""

from __future__ import annotations

from babel.dates import format_date

from bot.export.model import Facts, Figure, Report
from bot.export.record import approvals, evidence
from bot.export.sections import basics, grading, obligations, review, updates
from bot.export.timeline import timeline
from bot.i18n import Translator
from bot.render.words import level_name, state_name


def build(facts: Facts, t: Translator, chart: bytes | None = None) -> Report:
    """The report's sections, in the order the source plans ask for (the chart with the tasks)."""
    incident, plan = facts.incident, facts.plan
    tasks = obligations(facts, t)
    if chart is not None:
        tasks.blocks.append(Figure(chart, t("export.chart_caption")))
    level = level_name(plan, incident.level_id, t.lang)
    written = facts.now.astimezone(plan.zone)
    return Report(
        title=t("export.title"),
        subtitle=t(
            "export.subtitle",
            number=incident.number,
            plan=plan.title.get(t.lang),
            level=level,
            state=state_name(t, incident.state),
        ),
        unit=plan.unit.get(t.lang) if plan.unit else t("export.unit_missing"),
        date=format_date(written.date(), format="long", locale=t.lang),
        sections=[
            basics(facts, t),
            grading(facts, t),
            tasks,
            approvals(facts, t),
            updates(facts, t),
            timeline(facts, t),
            review(facts, t),
            evidence(facts, t),
        ],
        number=incident.number,
        lang=t.lang,
        keywords=t("export.keywords", level=level, plan=plan.title.get(t.lang)),
        written_at=written,
    )
