import pytest
from support import small_plan

from bot.domain.access import Actor, NotAllowed, may_report, person_ids, require_role, roles_of

PLAN = small_plan()  # boss: telegram 1 (leader); clerk: "@clerk" (office); eye: 3 (monitor)


@pytest.mark.parametrize(
    ("actor", "people", "roles"),
    [
        (Actor(1), ["boss"], {"leader"}),
        (Actor(2, "Clerk"), ["clerk"], {"office"}),  # @username matches case-insensitively
        (Actor(2, "@clerk"), ["clerk"], {"office"}),
        (Actor(3, "clerk"), ["clerk", "eye"], {"office", "monitor"}),
        (Actor(99, "stranger"), [], set()),
        (Actor(None, None), [], set()),
    ],
)
def test_people_and_roles(actor: Actor, people: list[str], roles: set[str]) -> None:
    assert person_ids(PLAN, actor) == people
    assert roles_of(PLAN, actor) == roles


@pytest.mark.parametrize(
    ("actor", "allowed", "ok"),
    [
        (Actor(1), ["leader"], True),
        (Actor(2, "clerk"), ["leader"], False),
        (Actor(2, "clerk"), ["leader", "office"], True),
        (Actor(99), ["leader", "office"], False),
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


@pytest.mark.parametrize(("actor", "ok"), [(Actor(3), True), (Actor(1), False), (Actor(99), False)])
def test_only_monitors_report_when_the_plan_names_them(actor: Actor, ok: bool) -> None:
    assert may_report(PLAN, actor) is ok


def test_anyone_reports_when_monitor_role_is_empty() -> None:
    from support import SMALL_PLAN

    plan = small_plan(SMALL_PLAN.replace("members: [eye]", "members: []"))
    assert may_report(plan, Actor(99))
