"""The one text-command parser: each command in good and bad forms, as any messenger sends it."""

import pytest

from bot.service.commands import (
    MAX_STATS_DAYS,
    NAMES,
    Command,
    Done,
    Draft,
    Export,
    Help,
    Lang,
    List,
    Report,
    Review,
    ShowPlan,
    Stats,
    Status,
    Update,
    Usage,
    command_name,
    parse,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/report 网帖称某单位……", Report("网帖称某单位……")),
        ("/report", Report("")),
        ("/report    ", Report("")),
        ("/report\n第一行\n第二行", Report("第一行\n第二行")),
        ("/report  两个  空格 ", Report("两个  空格")),
        ("/done 1 report", Done(1, "report")),
        ("/done #3 reply  多余的词", Done(3, "reply 多余的词")),  # a name may have spaces
        ("/done ３ reply", Done(3, "reply")),  # full-width digits, as Chinese keyboards type them
        (
            "/draft 2 release 通稿：\n第一段\n\n第二段",
            Draft(2, "release", "通稿：\n第一段\n\n第二段"),
        ),
        ("/draft\n2\nrelease\n正文", Draft(2, "release", "正文")),
        ("/update 1 已联系发帖人 <b>删帖</b>", Update(1, "已联系发帖人 <b>删帖</b>")),
        ("/update #12 第一行\n第二行", Update(12, "第一行\n第二行")),
        ("/review 4 总结：处置及时", Review(4, "总结：处置及时")),
        ("/status 7", Status(7)),
        ("/status #7", Status(7)),
        ("/status 99999999999999999999999", Status(99999999999999999999999)),
        ("/export 2", Export(2)),
        ("/list", List()),
        ("/list 以后的词不算", List()),
        ("/stats", Stats()),
        ("/stats 30", Stats(30)),
        (f"/stats {MAX_STATS_DAYS}", Stats(MAX_STATS_DAYS)),
        ("/plan", ShowPlan()),
        ("/lang en", Lang("en")),
        ("/lang English", Lang("en")),
        ("/lang zh", Lang("zh_CN")),
        ("/lang zh-CN", Lang("zh_CN")),
        ("/lang zh_cn", Lang("zh_CN")),
        ("/lang cn", Lang("zh_CN")),
        ("/lang CN", Lang("zh_CN")),
        ("/lang 中文", Lang("zh_CN")),
        ("/help", Help()),
        ("/start", Help()),
        ("/DONE 1 reply", Done(1, "reply")),  # command names in any letter case
        ("/Status 1", Status(1)),
    ],
)
def test_good_forms(text: str, expected: Command) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "usage"),
    [
        ("/done", "/done N task"),
        ("/done   ", "/done N task"),
        ("/done 1", "/done N task"),
        ("/done x reply", "/done N task"),
        ("/done #", "/done N task"),
        ("/done -1 reply", "/done N task"),
        ("/done 1.5 reply", "/done N task"),
        ("/draft 1 release    ", "/draft N task text"),
        ("/draft 一 release 通稿", "/draft N task text"),
        ("/update 1 \u3000 ", "/update N text"),  # an ideographic space is no text
        ("/update 进展", "/update N text"),
        ("/review 1", "/review N text"),
        ("/status", "/status N"),
        ("/status 🔥", "/status N"),
        ("/status ³", "/status N"),  # a digit to Unicode, not a number
        ("/status " + "9" * 5000, "/status N"),  # beyond what int() reads
        ("/export", "/export N"),
        ("/export x", "/export N"),
        ("/stats 0", "/stats [days]"),
        ("/stats -3", "/stats [days]"),
        ("/stats x", "/stats [days]"),
        (f"/stats {MAX_STATS_DAYS + 1}", "/stats [days]"),
        ("/stats 99999999999", "/stats [days]"),
        ("/lang", "/lang zh|en"),
        ("/lang fr", "/lang zh|en"),
        ("/lang 🔥", "/lang zh|en"),
    ],
)
def test_bad_forms_show_the_right_form(text: str, usage: str) -> None:
    with pytest.raises(Usage) as caught:
        parse(text)
    assert caught.value.key == "error.usage"
    assert caught.value.params == {"usage": usage}


@pytest.mark.parametrize(
    "text", ["", "帖子", "帖子 /report", "/reportx 帖子", "/unknown 1", "/", "report 1", "／report"]
)
def test_text_that_is_none_of_our_commands(text: str) -> None:
    assert parse(text) is None
    assert command_name(text) is None


def test_every_command_has_a_name_and_parses() -> None:
    minimal = {
        "done": " 1 a",
        "draft": " 1 a b",
        "update": " 1 a",
        "review": " 1 a",
        "status": " 1",
        "export": " 1",
        "lang": " en",
    }
    for name in NAMES:
        assert command_name(f"/{name}") == name
        assert parse(f"/{name}{minimal.get(name, '')}") is not None
