"""The benchmark plan: one level, one obligation, many groups and informants."""

from __future__ import annotations

from pathlib import Path

from bot.domain.plan import Plan
from bot.planfile import parse_plan_text

PLAN_ID = "bench"
FIRST_GROUP = -1002000000000
FIRST_INFORMANT = 500000
BOSS, CLERK = 1001, 1002
OBLIGATION = "act"
WITHIN_HOURS = 24
LEVEL_TITLE = "一般舆情"

TEMPLATE = """\
id: bench
title: {{zh_CN: 基准测试预案, en: Benchmark plan}}
chats: {{telegram: [{chats}]}}
people:
  boss: {{name: 王组长, telegram: {boss}}}
  clerk: {{name: 李主任, telegram: {clerk}}}
{informants}
roles:
  leader: {{title: {{zh_CN: 组长, en: Leader}}, members: [boss]}}
  office: {{title: {{zh_CN: 办公室, en: Office}}, members: [clerk]}}
  monitor: {{title: {{zh_CN: 信息员, en: Informant}}, members: [{monitors}]}}
questions:
  - id: reach
    text: {{zh_CN: 传播范围？, en: How far has it spread?}}
    options:
      - {{id: low, text: {{zh_CN: 50条以内, en: 50 or fewer}}}}
      - {{id: high, text: {{zh_CN: 500条以上, en: Over 500}}, reason: 传播很广}}
  - id: media
    text: {{zh_CN: 主流媒体是否报道？, en: Mainstream media?}}
    options:
      - {{id: "yes", text: 是, reason: 有主流媒体介入报道}}
      - {{id: "no", text: 否}}
levels:
  - id: general
    name: {{zh_CN: 一般, en: General}}
    approve: [leader]
    notify: [office]
    obligations:
      - {{id: {obligation}, text: 回应网民, owner: office, within: {within}h}}
reminders: {{before: [], overdue_every: 12h, escalate_after: 2, escalate_to: [leader]}}
review: {{within: 3d, owner: office, approve: [leader]}}
"""


def group(index: int) -> int:
    """The chat id of benchmark group ``index``."""
    return FIRST_GROUP - index


def informant(index: int) -> int:
    """The user id of benchmark informant ``index``."""
    return FIRST_INFORMANT + index


def plan_text(groups: int, informants: int) -> str:
    """The plan bound to ``groups`` groups with ``informants`` informants."""
    people = "\n".join(
        f"  eye{i}: {{name: 信息员{i}, telegram: {informant(i)}}}" for i in range(informants)
    )
    return TEMPLATE.format(
        chats=", ".join(str(group(i)) for i in range(groups)),
        boss=BOSS,
        clerk=CLERK,
        informants=people,
        monitors=", ".join(f"eye{i}" for i in range(informants)),
        obligation=OBLIGATION,
        within=WITHIN_HOURS,
    )


def write_plan(folder: Path, groups: int, informants: int) -> tuple[Path, Plan]:
    """Write the plan file into ``folder``; return its path and the parsed plan."""
    text = plan_text(groups, informants)
    path = folder / "bench.yaml"
    path.write_text(text, encoding="utf-8")
    return path, parse_plan_text(text, str(path))
