import pytest
from support import SMALL_PLAN, small_plan, tg_actor

from bot.domain.access import Actor, NotAllowed, may_report, person_ids, require_role, roles_of

PLAN = small_plan()  # boss: telegram 1 (leader); clerk: "@clerk" (office); eye: 3 (monitor)

# the same people with a handle on each messenger; clerk's WeCom userid is boss's Telegram id
MESSENGERS = small_plan(
    SMALL_PLAN.replace(
        "  boss: {name: 组长, telegram: 1}",
        '  boss: {name: 组长, telegram: 1, wecom: zhangsan, dingtalk: "0123", feishu: ou_7d8a}',
    ).replace(
        '  clerk: {name: 办公室, telegram: "@clerk"}',
        '  clerk: {name: 办公室, telegram: "@clerk", wecom: "1"}',
    )
)


@pytest.mark.parametrize(
    ("actor", "people", "roles"),
    [
        (tg_actor(1), ["boss"], {"leader"}),
        (tg_actor(2, "Clerk"), ["clerk"], {"office"}),  # @username matches case-insensitively
        (tg_actor(2, "@clerk"), ["clerk"], {"office"}),
        (tg_actor(3, "clerk"), ["clerk", "eye"], {"office", "monitor"}),
        (tg_actor(99, "stranger"), [], set()),
        (tg_actor(None, None), [], set()),
    ],
)
def test_people_and_roles(actor: Actor, people: list[str], roles: set[str]) -> None:
    assert person_ids(PLAN, actor) == people
    assert roles_of(PLAN, actor) == roles


@pytest.mark.parametrize(
    ("actor", "people", "roles"),
    [
        # Telegram: the numeric id, or the @username; never another messenger's handle
        (Actor("telegram", "1"), ["boss"], {"leader"}),
        (Actor("telegram", "7", "CLERK"), ["clerk"], {"office"}),
        (Actor("telegram", "zhangsan"), [], set()),
        (Actor("telegram", "ou_7d8a"), [], set()),
        # WeCom, DingTalk, Feishu: the handle equals the user id, exactly
        (Actor("wecom", "zhangsan", None, "张三"), ["boss"], {"leader"}),
        (Actor("wecom", "ZhangSan"), [], set()),
        (Actor("wecom", "1"), ["clerk"], {"office"}),  # not boss, whose Telegram id is 1
        (Actor("wecom", "3"), [], set()),  # eye has no WeCom userid
        (Actor("wecom", "99", "clerk"), [], set()),  # a username is not a WeCom handle
        (Actor("wecom", None), [], set()),
        (Actor("dingtalk", "0123"), ["boss"], {"leader"}),
        (Actor("dingtalk", "123"), [], set()),
        (Actor("dingtalk", "zhangsan"), [], set()),
        (Actor("feishu", "ou_7d8a"), ["boss"], {"leader"}),
        (Actor("feishu", "1"), [], set()),
        (Actor("slack", "1"), [], set()),  # a messenger the plan gives nobody a handle on
        # the drill acts as the plan's people, by person id, and by nothing else
        (Actor("drill", "clerk", None, "办公室"), ["clerk"], {"office"}),
        (Actor("drill", "eye"), ["eye"], {"monitor"}),
        (Actor("drill", "1"), [], set()),
        (Actor("drill", "zhangsan"), [], set()),
        (Actor("drill", "ghost"), [], set()),
        (Actor("drill", None), [], set()),
    ],
)
def test_people_and_roles_per_messenger(actor: Actor, people: list[str], roles: set[str]) -> None:
    assert person_ids(MESSENGERS, actor) == people
    assert roles_of(MESSENGERS, actor) == roles


def test_actor_keys_and_names_are_unchanged_for_telegram() -> None:
    assert tg_actor(42).key == "telegram:42"
    assert Actor("wecom", "zhangsan").key == "wecom:zhangsan"
    assert Actor("drill", "boss", None, "组长").display == "组长"
    assert tg_actor(42, "alice").display == "@alice"
    assert tg_actor(42).display == "42"


@pytest.mark.parametrize(
    ("actor", "allowed", "ok"),
    [
        (tg_actor(1), ["leader"], True),
        (tg_actor(2, "clerk"), ["leader"], False),
        (tg_actor(2, "clerk"), ["leader", "office"], True),
        (tg_actor(99), ["leader", "office"], False),
    ],
)
def test_require_role(actor: Actor, allowed: list[str], ok: bool) -> None:
    if ok:
        require_role(PLAN, actor, allowed)
        return
    with pytest.raises(NotAllowed) as caught:
        require_role(PLAN, actor, allowed)
    assert caught.value.key == "error.not_allowed"
    assert caught.value.params["role_ids"] == allowed
    assert caught.value.params["roles"] == "、".join(
        PLAN.roles[r].title.get("zh_CN") for r in allowed
    )


@pytest.mark.parametrize(
    ("actor", "ok"), [(tg_actor(3), True), (tg_actor(1), False), (tg_actor(99), False)]
)
def test_only_monitors_report_when_the_plan_names_them(actor: Actor, ok: bool) -> None:
    assert may_report(PLAN, actor) is ok


def test_anyone_reports_when_monitor_role_is_empty() -> None:
    plan = small_plan(SMALL_PLAN.replace("members: [eye]", "members: []"))
    assert may_report(plan, tg_actor(99))
