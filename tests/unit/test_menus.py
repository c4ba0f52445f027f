"""Menu navigation rules (appliance.menus): pure functions, so configs are built inline."""

from __future__ import annotations

import pytest

from appliance.config.model import Action, Config, Menu, Prompt, Target, Team
from appliance.policy.menus import (
    MenuState,
    PlayMenu,
    PlayReason,
    ToAction,
    ToTeam,
    enter,
    menu_warnings,
    on_digit,
    on_timeout,
    operator_team,
)

HANGUP = Target(action=Action.HANGUP)


def menu(mid: str, options: dict[str, Target] | None = None, **kwargs) -> Menu:
    return Menu(id=mid, name=mid.title(), prompt=Prompt(text=f"{mid} prompt"),
                options=options or {}, **kwargs)


def config(*menus: Menu, teams: tuple[str, ...] = ("sales", "support")) -> Config:
    return Config(teams={t: Team(id=t, name=t.title()) for t in teams},
                  menus={m.id: m for m in menus})


def at(mid: str, root: str = "main", failures: int = 0) -> MenuState:
    return MenuState(root=root, current=mid, failures=failures)


# --- enter and options -----------------------------------------------------------------------


def test_enter_starts_at_the_menu_which_becomes_root():
    state, step = enter(config(menu("main")), "main")
    assert state == MenuState(root="main", current="main", failures=0)
    assert step == PlayMenu("main", PlayReason.START)


@pytest.mark.parametrize(
    ("target", "expected_state", "expected_step"),
    [
        (Target(team="sales"), at("main"), ToTeam("sales", "option")),
        (Target(menu="sub"), at("sub"), PlayMenu("sub", PlayReason.SUBMENU)),
        (Target(action=Action.VOICEMAIL), at("main"), ToAction(Action.VOICEMAIL)),
        (HANGUP, at("main"), ToAction(Action.HANGUP)),
        (Target(action=Action.MESSAGE, text="Bye"), at("main"), ToAction(Action.MESSAGE, "Bye")),
        (Target(action=Action.REPEAT), at("main"), PlayMenu("main", PlayReason.REPEAT)),
    ],
    ids=["team", "menu", "voicemail", "hangup", "message", "repeat"],
)
def test_each_option_kind(target, expected_state, expected_step):
    cfg = config(menu("main", {"1": target}), menu("sub"))
    assert on_digit(cfg, at("main"), "1") == (expected_state, expected_step)


def test_hash_is_an_option_key():
    cfg = config(menu("main", {"#": Target(team="support")}))
    assert on_digit(cfg, at("main"), "#")[1] == ToTeam("support", "option")


def test_submenu_then_star_goes_back_to_root_with_failures_reset():
    cfg = config(menu("main", {"1": Target(menu="sub")}), menu("sub", {"1": Target(menu="deep")}),
                 menu("deep"))
    state, _ = on_digit(cfg, at("main"), "1")
    state, _ = on_digit(cfg, state, "1")
    state, _ = on_digit(cfg, state, "7")  # invalid on "deep"
    assert state == at("deep", failures=1)
    assert on_digit(cfg, state, "*") == (at("main"), PlayMenu("main", PlayReason.BACK))


def test_star_on_root_replays_root():
    cfg = config(menu("main"))
    assert on_digit(cfg, at("main", failures=2), "*") == (at("main"),
                                                          PlayMenu("main", PlayReason.BACK))


def test_star_with_deleted_root_counts_as_invalid():
    cfg = config(menu("sub"))
    assert on_digit(cfg, at("sub", root="gone"), "*") == (
        at("sub", root="gone", failures=1), PlayMenu("sub", PlayReason.INVALID))


def test_reserved_keys_win_over_options():
    cfg = config(menu("main", {"0": HANGUP, "*": HANGUP}, operator_team="support"))
    assert on_digit(cfg, at("main"), "0")[1] == ToTeam("support", "operator")
    assert on_digit(cfg, at("main"), "*")[1] == PlayMenu("main", PlayReason.BACK)


# --- 0 to an operator ------------------------------------------------------------------------


def test_zero_uses_the_menus_operator_team():
    cfg = config(menu("main", {"1": Target(team="sales")}, operator_team="support"))
    assert on_digit(cfg, at("main"), "0") == (at("main"), ToTeam("support", "operator"))


@pytest.mark.parametrize(
    ("menus", "expected"),
    [
        # direct options in key order 1..9 then #
        ([menu("main", {"#": Target(team="support"), "2": Target(team="sales")})], "sales"),
        ([menu("main", {"1": HANGUP, "#": Target(team="support")})], "support"),
        # a team among the options beats one in a sub-menu on an earlier key
        ([menu("main", {"1": Target(menu="sub"), "2": Target(team="support")}),
          menu("sub", {"1": Target(team="sales")})], "support"),
        # through a sub-menu
        ([menu("main", {"1": Target(menu="sub")}), menu("sub", {"3": Target(team="sales")})],
         "sales"),
        # breadth-first: the shallower team in sub-menu 2 beats the deeper one under 1
        ([menu("main", {"1": Target(menu="a"), "2": Target(menu="b")}),
          menu("a", {"1": Target(menu="a2")}), menu("a2", {"1": Target(team="sales")}),
          menu("b", {"1": Target(team="support")})], "support"),
        ([menu("main", {"1": Target(menu="a"), "2": Target(menu="b")}),
          menu("a", {"1": Target(team="sales")}), menu("b", {"1": Target(menu="b2")}),
          menu("b2", {"1": Target(team="support")})], "sales"),
        # options before the fallback, then the fallback
        ([menu("main", {"1": Target(menu="sub")}, fallback=Target(team="support")),
          menu("sub", {"1": Target(team="sales")})], "sales"),
        ([menu("main", {"1": HANGUP}, fallback=Target(team="support"))], "support"),
        ([menu("main", fallback=Target(menu="help")), menu("help", {"5": Target(team="sales")})],
         "sales"),
        # dangling team ids are skipped, and so is a dangling operator_team
        ([menu("main", {"1": Target(team="ghost"), "2": Target(team="sales")})], "sales"),
        ([menu("main", {"1": Target(team="sales")}, operator_team="ghost")], "sales"),
    ],
    ids=["key-order", "hash-last", "level-first", "via-submenu", "breadth-first",
         "breadth-first-key-order",
         "options-before-fallback", "fallback-team", "fallback-menu", "skip-dangling",
         "dangling-operator"],
)
def test_zero_default_is_first_team_breadth_first(menus, expected):
    cfg = config(*menus)
    assert operator_team(cfg, "main") == expected
    assert on_digit(cfg, at("main"), "0")[1] == ToTeam(expected, "operator")


def test_zero_with_no_team_anywhere_is_invalid_input():
    cfg = config(menu("main", {"1": Target(menu="sub")}, retries=1), menu("sub", {"1": HANGUP}))
    state, step = on_digit(cfg, at("main"), "0")
    assert (state, step) == (at("main", failures=1), PlayMenu("main", PlayReason.INVALID))
    assert on_digit(cfg, state, "0") == (at("main", failures=2), ToAction(Action.HANGUP))


def test_operator_team_survives_cycles_and_unknown_menus():
    cfg = config(menu("main", {"1": Target(menu="sub")}, fallback=Target(menu="sub")),
                 menu("sub", {"1": Target(menu="main")}, fallback=Target(menu="main")))
    assert operator_team(cfg, "main") is None
    assert operator_team(cfg, "nope") is None


# --- invalid input, timeouts and the fallback -------------------------------------------------


@pytest.mark.parametrize(
    ("fallback", "expected_state", "expected_step"),
    [
        (Target(team="support"), at("main", failures=3), ToTeam("support", "fallback")),
        (Target(menu="help"), at("help"), PlayMenu("help", PlayReason.SUBMENU)),
        (HANGUP, at("main", failures=3), ToAction(Action.HANGUP)),
        (Target(action=Action.VOICEMAIL), at("main", failures=3), ToAction(Action.VOICEMAIL)),
        (Target(action=Action.MESSAGE, text="Bye"), at("main", failures=3),
         ToAction(Action.MESSAGE, "Bye")),
        (Target(action=Action.REPEAT), at("main", failures=3), ToAction(Action.HANGUP)),
        (Target(menu="gone"), at("main", failures=3), ToAction(Action.HANGUP)),
        (Target(), at("main", failures=3), ToAction(Action.HANGUP)),
    ],
    ids=["team", "menu", "hangup", "voicemail", "message", "repeat-is-hangup",
         "missing-menu-is-hangup", "empty-is-hangup"],
)
def test_invalid_digits_until_retries_exhausted_then_fallback(fallback, expected_state,
                                                              expected_step):
    cfg = config(menu("main", {"1": Target(team="sales")}, retries=2, fallback=fallback),
                 menu("help"))
    state = at("main")
    for failures in (1, 2):
        state, step = on_digit(cfg, state, "9")
        assert (state, step) == (at("main", failures=failures),
                                 PlayMenu("main", PlayReason.INVALID))
    assert on_digit(cfg, state, "9") == (expected_state, expected_step)


def test_timeouts_count_like_invalid_input():
    cfg = config(menu("main", retries=1, fallback=Target(action=Action.VOICEMAIL)))
    state, step = on_timeout(cfg, at("main"))
    assert (state, step) == (at("main", failures=1), PlayMenu("main", PlayReason.TIMEOUT))
    assert on_timeout(cfg, state) == (at("main", failures=2), ToAction(Action.VOICEMAIL))


def test_invalid_input_and_timeouts_share_one_count():
    cfg = config(menu("main", retries=2, fallback=Target(team="sales")))
    state, step = on_digit(cfg, at("main"), "5")
    assert step == PlayMenu("main", PlayReason.INVALID)
    state, step = on_timeout(cfg, state)
    assert (state.failures, step) == (2, PlayMenu("main", PlayReason.TIMEOUT))
    assert on_digit(cfg, state, "5")[1] == ToTeam("sales", "fallback")


def test_zero_retries_goes_to_fallback_at_once():
    cfg = config(menu("main", retries=0, fallback=Target(team="sales")))
    assert on_timeout(cfg, at("main"))[1] == ToTeam("sales", "fallback")


def test_repeat_does_not_count_as_failure():
    cfg = config(menu("main", {"1": Target(action=Action.REPEAT)}, retries=1))
    state, _ = on_timeout(cfg, at("main"))
    for _ in range(3):
        state, step = on_digit(cfg, state, "1")
        assert (state, step) == (at("main", failures=1), PlayMenu("main", PlayReason.REPEAT))


def test_entering_a_submenu_resets_failures():
    cfg = config(menu("main", {"1": Target(menu="sub")}, retries=2),
                 menu("sub", retries=2, fallback=Target(team="support")))
    state, _ = on_digit(cfg, at("main"), "8")
    state, _ = on_timeout(cfg, state)
    state, step = on_digit(cfg, state, "1")
    assert (state, step) == (at("sub"), PlayMenu("sub", PlayReason.SUBMENU))
    state, step = on_digit(cfg, state, "8")
    assert (state.failures, step) == (1, PlayMenu("sub", PlayReason.INVALID))


def test_fallback_to_a_menu_resets_failures_and_keeps_root():
    cfg = config(menu("main", {"1": Target(menu="sub")}),
                 menu("sub", retries=0, fallback=Target(menu="help")), menu("help"))
    assert on_timeout(cfg, at("sub")) == (at("help"), PlayMenu("help", PlayReason.SUBMENU))


# --- config changed under a live call and bad input -----------------------------------------


def test_deleted_current_menu_hangs_up():
    cfg = config(menu("main"))
    state = at("gone")
    assert on_digit(cfg, state, "1") == (state, ToAction(Action.HANGUP))
    assert on_digit(cfg, state, "*") == (state, ToAction(Action.HANGUP))
    assert on_timeout(cfg, state) == (state, ToAction(Action.HANGUP))


def test_entering_an_unknown_menu_then_input_hangs_up():
    cfg = config(menu("main"))
    state, step = enter(cfg, "gone")
    assert step == PlayMenu("gone", PlayReason.START)
    assert on_digit(cfg, state, "1")[1] == ToAction(Action.HANGUP)


def test_option_to_missing_menu_is_invalid_input():
    cfg = config(menu("main", {"1": Target(menu="gone")}))
    assert on_digit(cfg, at("main"), "1") == (at("main", failures=1),
                                              PlayMenu("main", PlayReason.INVALID))


@pytest.mark.parametrize("digit", ["x", "12", "", " ", "A", 1, None])
def test_bad_digit_raises(digit):
    with pytest.raises(ValueError, match="not a single phone key"):
        on_digit(config(menu("main")), at("main"), digit)


# --- warnings for the owner ------------------------------------------------------------------


def test_clean_menu_has_no_warnings():
    cfg = config(menu("main", {"1": Target(team="sales"), "2": Target(menu="sub")}),
                 menu("sub", {"1": Target(team="support"), "2": Target(action=Action.REPEAT)},
                      fallback=Target(menu="main")))
    assert menu_warnings(cfg, "main") == []


def test_shared_submenu_is_not_a_cycle():
    cfg = config(menu("main", {"1": Target(menu="a"), "2": Target(menu="b")}),
                 menu("a", {"1": Target(menu="shared")}), menu("b", {"1": Target(menu="shared")}),
                 menu("shared", {"1": Target(team="sales")}))
    assert menu_warnings(cfg, "main") == []


def test_three_levels_is_fine_four_is_too_deep():
    chain = [menu("main", {"1": Target(menu="l2")}, operator_team="sales"),
             menu("l2", {"1": Target(menu="l3")}, operator_team="sales"),
             menu("l3", {"1": Target(menu="l4")}, operator_team="sales"),
             menu("l4", operator_team="sales")]
    assert menu_warnings(config(*chain), "l2") == []
    warnings = menu_warnings(config(*chain), "main")
    assert len(warnings) == 1
    assert '"L4" is 4 levels deep' in warnings[0]
    assert '"Main" > "L2" > "L3" > "L4"' in warnings[0]


def test_too_many_options():
    options = {str(k): Target(team="sales") for k in range(1, 7)}
    warnings = menu_warnings(config(menu("main", options)), "main")
    assert warnings == ['Menu "Main" offers 6 options; callers remember at most 5.']
    assert menu_warnings(config(menu("main", dict(list(options.items())[:5]))), "main") == []


def test_cycle_is_warned_once():
    cfg = config(menu("main", {"1": Target(menu="a")}, operator_team="sales"),
                 menu("a", {"1": Target(menu="b")}, operator_team="sales"),
                 menu("b", {"1": Target(menu="a")}, operator_team="sales"))
    warnings = menu_warnings(cfg, "main")
    assert len(warnings) == 1
    assert 'Menu "B" leads back to "A"' in warnings[0]


@pytest.mark.parametrize(
    ("target", "fragment"),
    [
        (Target(team="ghost"), 'Menu "Main" option 1 points at team "ghost"'),
        (Target(menu="gone"), 'Menu "Main" option 1 points at menu "gone"'),
    ],
)
def test_dangling_option_reference(target, fragment):
    warnings = menu_warnings(config(menu("main", {"1": target}, operator_team="sales")), "main")
    assert len(warnings) == 1
    assert fragment in warnings[0]
    assert "does not exist" in warnings[0]


def test_dangling_fallback_and_operator_team():
    cfg = config(menu("main", {"1": Target(team="sales")}, operator_team="ghost",
                      fallback=Target(menu="gone")))
    assert menu_warnings(cfg, "main") == [
        'Menu "Main" fallback points at menu "gone", which does not exist.',
        'Menu "Main" sends 0 to team "ghost", which does not exist.',
    ]


def test_no_team_reachable_for_zero_is_warned_per_menu():
    cfg = config(menu("main", {"1": Target(menu="sub"), "2": Target(team="sales")}),
                 menu("sub", {"1": HANGUP}))
    assert menu_warnings(cfg, "main") == [
        'Menu "Sub" has no team reachable, so 0 cannot reach an agent.'
    ]


def test_reserved_or_multi_key_options_are_warned():
    cfg = config(menu("main", {"0": HANGUP, "12": HANGUP, "1": Target(team="sales")}))
    warnings = menu_warnings(cfg, "main")
    assert len(warnings) == 2
    assert all("can never be chosen" in w for w in warnings)
    assert '"0"' in warnings[0]
    assert '"12"' in warnings[1]


@pytest.mark.parametrize(
    ("menus", "expected"),
    [
        ([menu("main", {"1": Target(team="sales")}, fallback=Target(menu="main"))],
         'Menu "Main" falls back to itself'),
        ([menu("main", {"1": Target(team="sales")}, fallback=Target(menu="help")),
          menu("help", {"1": Target(team="sales")}, fallback=Target(menu="main"))],
         'Menus "Help", "Main" fall back to each other'),
    ],
    ids=["self", "pair"],
)
def test_fallback_loop_is_warned(menus, expected):
    warnings = menu_warnings(config(*menus), "main")
    assert len(warnings) == 1
    assert warnings[0].startswith(expected)


def test_warnings_for_unknown_menu():
    assert menu_warnings(config(), "nope") == ['Menu "nope" does not exist.']
