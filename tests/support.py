"""Shared test material: a small plan with second-scale deadlines and a fixed clock origin."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.access import Actor
from bot.domain.plan import Plan
from bot.planfile import parse_plan_text

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)

SMALL_PLAN = """\
id: small
title: {zh_CN: 测试预案, en: Test plan}
people:
  boss: {name: 组长, telegram: 1}
  clerk: {name: 办公室, telegram: "@clerk"}
  eye: {name: 信息员, telegram: 3}
roles:
  leader: {title: {zh_CN: 组长, en: Leader}, members: [boss]}
  office: {title: 办公室, members: [clerk]}
  monitor: {title: 信息员, members: [eye]}
questions:
  - id: reach
    text: {zh_CN: 传播范围？, en: How far?}
    options:
      - {id: low, text: 少}
      - {id: mid, text: 中, reason: {zh_CN: 传播较广, en: Spreading}}
      - {id: high, text: 多, reason: 传播很广}
  - id: media
    text: 媒体报道？
    options:
      - {id: "yes", text: 是, reason: 有主流媒体介入报道}
      - {id: "no", text: 否}
  - id: hurt
    text: 人员伤亡？
    options:
      - {id: "yes", text: 是, reason: 造成人员伤亡}
      - {id: "no", text: 否}
levels:
  - id: low
    name: {zh_CN: 一般, en: General}
    approve: [office]
    obligations:
      - {id: reply, text: 回复, owner: office, within: 2h}
  - id: mid
    name: 较大
    when: {reach: [mid, high]}
    notify: [office]
    approve: [leader]
    obligations:
      - {id: reply, text: 回复, owner: office, within: 1h}
      - {id: verify, text: 核实, owner: office, within: 30m}
  - id: high
    name: 重大
    when:
      any:
        - media: "yes"
        - {reach: high, hurt: "yes"}
    notify: [leader, office]
    approve: [leader]
    obligations:
      - {id: report, text: 上报, owner: office, within: 1h}
      - {id: release, text: 通稿, owner: office, within: 2h, approval: [leader]}
reminders:
  before: [20m, 10m]
  overdue_every: 15m
  escalate_after: 2
  escalate_to: [leader]
follow_up: {every: 4h, for: 12h, owner: office}
review: {within: 3d, owner: office, approve: [leader]}
"""


def small_plan(text: str = SMALL_PLAN) -> Plan:
    """The small test plan (or a variant of its text), validated."""
    return parse_plan_text(text, "small.yaml")


def tg_actor(user_id: int | None, username: str | None = None, name: str | None = None) -> Actor:
    """A Telegram user acting, as bot/telegram builds them: the numeric id as a string."""
    return Actor("telegram", None if user_id is None else str(user_id), username, name)


CHAT = "telegram:-100500"
PLAN_TEXT = SMALL_PLAN.replace("people:", "chats: {telegram: [-100500]}\npeople:", 1)
