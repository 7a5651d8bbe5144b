"""The plan model: one organisation's 预案 as validated data."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from bot.domain.planfields import (
    Duration,
    Id,
    MessengerId,
    RuleField,
)
from bot.domain.text import LText

TelegramRef = Annotated[
    int | str,
    Field(description="numeric Telegram user id, or @username"),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Option(_Model):
    """One answer to a grading question."""

    id: Id
    text: LText
    reason: LText | None = Field(None, description="how this answer reads as a grading reason")
    guidance: LText | None = Field(None, description="handling guidance (分类处置) for this answer")


class Question(_Model):
    """A grading question asked with one button per option."""

    id: Id
    text: LText
    options: list[Option] = Field(min_length=2)
    help: LText | None = None


class Person(_Model):
    """Somebody the plan names, with their handle on each messenger the plan runs on."""

    name: str = Field(min_length=1)
    telegram: TelegramRef | None = None
    wecom: MessengerId | None = Field(None, description="WeCom (企业微信) userid")
    dingtalk: MessengerId | None = Field(None, description="DingTalk (钉钉) userid")
    feishu: MessengerId | None = Field(None, description="Feishu (飞书) user id")

    @field_validator("telegram")
    @classmethod
    def _telegram_ref(cls, value: int | str | None) -> int | str | None:
        if isinstance(value, str) and not (value.startswith("@") and len(value) > 1):
            raise PydanticCustomError("yq_telegram_ref", "not a user id or @username", {})
        return value

    def handles(self) -> dict[str, int | str]:
        """The handles the plan gives this person, by messenger."""
        every = {
            "telegram": self.telegram,
            "wecom": self.wecom,
            "dingtalk": self.dingtalk,
            "feishu": self.feishu,
        }
        return {messenger: handle for messenger, handle in every.items() if handle is not None}

    def handle(self, transport: str) -> int | str | None:
        """This person's handle on one messenger, None if the plan gives none."""
        return self.handles().get(transport)


class Role(_Model):
    """A role of the plan (组长, 办公室 …) and the people who hold it."""

    title: LText
    members: list[Id] = Field(default_factory=list)


class EscalationStep(_Model):
    """One rung of the escalation ladder: from when a late task also tags these roles."""

    reminders: int | None = Field(
        None, ge=0, description="after this many reminders from the deadline went unanswered"
    )
    overdue: Duration | None = Field(None, description="from this long past the deadline")
    to: list[Id] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_trigger(self) -> EscalationStep:
        if (self.reminders is None) == (self.overdue is None):
            raise PydanticCustomError("yq_step_trigger", "reminders or overdue", {})
        return self


class ReminderRules(_Model):
    """When to warn before a deadline, remind after it, and whom each late step escalates to."""

    before: list[Duration] = Field(default_factory=list)
    overdue_every: Duration = timedelta(minutes=30)
    escalate: list[EscalationStep] = Field(default_factory=list)
    escalate_after: int | None = Field(None, ge=0, description="old form: one step after N")
    escalate_to: list[Id] | None = Field(None, description="old form: the one step's roles")

    @model_validator(mode="after")
    def _one_ladder(self) -> ReminderRules:
        if self.escalate and (self.escalate_after is not None or self.escalate_to is not None):
            raise PydanticCustomError("yq_two_ladders", "escalate and escalate_to", {})
        return self

    def ladder(self) -> list[EscalationStep]:
        """The escalation steps; the old ``escalate_after``/``escalate_to`` pair is one step."""
        if self.escalate or not self.escalate_to:
            return list(self.escalate)
        after = 2 if self.escalate_after is None else self.escalate_after
        return [EscalationStep(reminders=after, to=list(self.escalate_to))]


class Obligation(_Model):
    """Something a role must do by a deadline."""

    id: Id
    text: LText
    owner: Id
    within: Duration
    after: Literal["reported", "stabilised"] = "reported"
    approval: list[Id] = Field(default_factory=list)
    reminders: ReminderRules | None = None
    if_overdue: Id | None = Field(
        None, description="owed only if this other task of the level is not met by its deadline"
    )
    report: bool = Field(False, description="a report upward (上报, 快报事实): late is 迟报")


class Progress(_Model):
    """Progress reports (续报) owed on a cadence, each one a task of its own."""

    every: Duration
    owner: Id
    for_: Duration | None = Field(None, alias="for", description="how long; none: until calm")
    text: LText | None = None
    reminders: ReminderRules | None = None


class FollowUp(_Model):
    """Progress reports (续报) after the incident stabilises, for a period."""

    every: Duration
    for_: Duration = Field(alias="for")
    owner: Id
    text: LText | None = None
    reminders: ReminderRules | None = None


class Level(_Model):
    """A grade of incident, least severe first in the plan."""

    id: Id
    name: LText
    description: LText | None = None
    when: RuleField | None = None
    notify: list[Id] = Field(default_factory=list)
    approve: list[Id] = Field(min_length=1)
    obligations: list[Obligation] = Field(default_factory=list)
    progress: Progress | None = Field(None, description="续报 from confirmation until it calms")
    follow_up: FollowUp | None = Field(None, description="续报 after calming, for this level")


class Review(_Model):
    """The written review (总结评估) that closes an incident."""

    within: Duration
    owner: Id
    approve: list[Id] = Field(min_length=1)
    text: LText | None = None


class Chats(_Model):
    """The group chats that run this plan, per messenger."""

    telegram: list[int] = Field(default_factory=list)
    wecom: list[MessengerId] = Field(default_factory=list)
    dingtalk: list[MessengerId] = Field(default_factory=list)
    feishu: list[MessengerId] = Field(default_factory=list)

    def keys(self) -> list[str]:
        """Every chat as a messenger-qualified key (``telegram:-100…``, ``wecom:wr…``)."""
        every: dict[str, list[int] | list[str]] = {
            "telegram": self.telegram,
            "wecom": self.wecom,
            "dingtalk": self.dingtalk,
            "feishu": self.feishu,
        }
        return [f"{messenger}:{chat}" for messenger, chats in every.items() for chat in chats]


class Plan(_Model):
    """An organisation's public-opinion emergency plan."""

    id: Id
    title: LText
    unit: LText | None = Field(
        None, description="the issuing unit (发文单位) named on the written report"
    )
    timezone: str = "Asia/Shanghai"
    language: Literal["zh_CN", "en"] = "zh_CN"
    report_timeout: Duration = timedelta(minutes=30)
    chats: Chats = Field(default_factory=Chats)
    people: dict[Id, Person] = Field(default_factory=dict)
    roles: dict[Id, Role] = Field(min_length=1)
    questions: list[Question] = Field(min_length=1)
    levels: list[Level] = Field(min_length=1)
    reminders: ReminderRules = Field(default_factory=ReminderRules)
    follow_up: FollowUp | None = None
    review: Review

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: name too long
            context = {"value": value}
            raise PydanticCustomError("yq_timezone", "unknown time zone", context) from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The plan's time zone, for showing times."""
        return ZoneInfo(self.timezone)

    @property
    def level_ids(self) -> list[str]:
        """The levels' ids, least severe first."""
        return [level.id for level in self.levels]

    def level(self, level_id: str) -> Level:
        """The level with this id (KeyError if absent)."""
        for level in self.levels:
            if level.id == level_id:
                return level
        raise KeyError(level_id)

    def question(self, question_id: str) -> Question:
        """The question with this id (KeyError if absent)."""
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def option(self, question_id: str, option_id: str) -> Option:
        """The option of a question (KeyError if absent)."""
        for option in self.question(question_id).options:
            if option.id == option_id:
                return option
        raise KeyError(option_id)

    def reminder_rules(self, obligation: Obligation) -> ReminderRules:
        """The reminder rules in force for an obligation."""
        return obligation.reminders or self.reminders

    def follow_up_for(self, level_id: str) -> FollowUp | None:
        """The level's 续报 after calming: its own, else the plan's."""
        return self.level(level_id).follow_up or self.follow_up

    def severity(self, level_id: str) -> int:
        """Index of a level, 0 = least severe."""
        return [level.id for level in self.levels].index(level_id)

    def members(self, role_ids: list[str]) -> list[str]:
        """Person ids holding any of these roles, in order, without repeats."""
        seen: dict[str, None] = {}
        for role_id in role_ids:
            for person in self.roles[role_id].members if role_id in self.roles else []:
                seen.setdefault(person, None)
        return list(seen)
