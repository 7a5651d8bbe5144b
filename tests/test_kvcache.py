"""The kept namespaces' memory: what a read may fill, and what a change forgets."""

from bot.store.kvcache import KvCache


def test_a_read_fills_a_kept_namespace_only() -> None:
    cache = KvCache()
    cache.keep({"chat_lang"})
    cache.fill("chat_lang", {"telegram:-1": '"en"'}, cache.generation)
    cache.fill("other", {"k": "1"}, cache.generation)
    assert cache.get("chat_lang") == {"telegram:-1": '"en"'}
    assert cache.get("other") is None


def test_a_read_that_began_before_a_change_is_not_kept() -> None:
    cache = KvCache()
    cache.keep({"a", "b"})
    began = cache.generation
    cache.drop(["b"])  # a commit heard while the read of "a" was on its way
    cache.fill("a", {"k": "1"}, began)
    assert cache.get("a") is None
    cache.fill("a", {"k": "2"}, cache.generation)
    assert cache.get("a") == {"k": "2"}


def test_a_change_forgets_its_namespace_and_unheard_changes_forget_all() -> None:
    cache = KvCache()
    cache.keep({"a", "b"})
    for name in ("a", "b"):
        cache.fill(name, {"k": name}, cache.generation)
    cache.drop(["a", "not kept"])
    assert (cache.get("a"), cache.get("b")) == (None, {"k": "b"})
    began = cache.generation
    cache.drop(["not kept"])  # a change elsewhere spoils no read
    cache.fill("a", {"k": "a2"}, began)
    assert cache.get("a") == {"k": "a2"}
    began = cache.generation
    cache.forget_all()
    assert cache.get("b") is None
    cache.fill("b", {"k": "b"}, began)
    assert cache.get("b") is None


def test_what_was_filled_is_a_copy() -> None:
    cache = KvCache()
    cache.keep({"a"})
    texts = {"k": "1"}
    cache.fill("a", texts, cache.generation)
    texts["k"] = "2"
    assert cache.get("a") == {"k": "1"}
