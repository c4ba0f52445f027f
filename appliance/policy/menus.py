"""Voice-menu navigation as pure functions of (config, state, input).

The core engine owns the call: it plays prompts, runs the no-input timer and keeps one
``MenuState`` per call. It asks this module what a key press (or the silence) means, so the
rules live in one place with no I/O, clocks or globals and can be tested exhaustively. The
owner's web page reuses the same tree walks through ``menu_warnings``.

Rule 6 of the product: every menu offers ``*`` back to the start and ``0`` to an agent, and
handles no input and invalid input.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace
from enum import StrEnum

from appliance.config.model import Action, Config, Menu, Target
from appliance.errors import Text

KEYS = frozenset("0123456789*#")
OPTION_KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "#")  # also the search order
BACK_KEY = "*"
OPERATOR_KEY = "0"
MAX_DEPTH = 3
MAX_OPTIONS = 5
_ENDINGS = frozenset({Action.VOICEMAIL, Action.HANGUP, Action.MESSAGE})


@dataclass(frozen=True)
class MenuState:
    root: str          # the menu the caller entered first (where * goes back to)
    current: str       # the menu being offered now
    failures: int = 0  # invalid inputs + timeouts on the current menu since it was (re)entered


class PlayReason(StrEnum):
    """Why a prompt is played, so the engine can say "sorry, I didn't get that" first."""

    START = "start"
    SUBMENU = "submenu"
    REPEAT = "repeat"
    INVALID = "invalid"
    TIMEOUT = "timeout"
    BACK = "back"


@dataclass(frozen=True)
class PlayMenu:
    """Say this menu's prompt (again) and wait for a key."""

    menu: str
    reason: PlayReason


@dataclass(frozen=True)
class ToTeam:
    """Queue the caller for this team; ``via`` is "option", "operator" or "fallback"."""

    team: str
    via: str


@dataclass(frozen=True)
class ToAction:
    """End the menu with Action.VOICEMAIL, Action.HANGUP or Action.MESSAGE (with text)."""

    action: Action
    text: str | None = None


@dataclass(frozen=True)
class ToPbx:
    """Hand the caller to the office's SIP PBX at ``uri`` (gateway mode)."""

    uri: str


MenuStep = PlayMenu | ToTeam | ToAction | ToPbx
MenuResult = tuple[MenuState, MenuStep]   # where the caller is now, and what to do
_HANGUP = ToAction(Action.HANGUP)


def enter(config: Config, menu_id: str) -> tuple[MenuState, PlayMenu]:
    """Start a caller at ``menu_id``, which becomes the menu ``*`` returns to.

    The id is not checked: if it is unknown, the next input ends the call (see ``on_digit``).
    """
    return MenuState(root=menu_id, current=menu_id), PlayMenu(menu_id, PlayReason.START)


def on_digit(config: Config, state: MenuState, digit: str) -> MenuResult:
    """What one key press on the current menu leads to.

    ``*`` and ``0`` are reserved on every menu, whatever the options say, so a caller can
    always get back or get a human. Keys that lead nowhere count as failed attempts.
    """
    if not isinstance(digit, str) or digit not in KEYS:
        raise ValueError(f"not a single phone key: {digit!r}")
    menu = config.menus.get(state.current)
    if menu is None:  # the menu was deleted while the caller was in it
        return state, _HANGUP
    if digit == BACK_KEY:
        if state.root not in config.menus:
            return _failed(config, state, menu, PlayReason.INVALID)
        return MenuState(state.root, state.root), PlayMenu(state.root, PlayReason.BACK)
    if digit == OPERATOR_KEY:
        team = operator_team(config, state.current)
        if team is None:
            return _failed(config, state, menu, PlayReason.INVALID)
        return state, ToTeam(team, "operator")
    target = menu.options.get(digit)
    outcome = None if target is None else _resolve(config, state, target, "option")
    return outcome or _failed(config, state, menu, PlayReason.INVALID)


def on_timeout(config: Config, state: MenuState) -> MenuResult:
    """The caller pressed nothing in time: counted like an invalid key."""
    menu = config.menus.get(state.current)
    if menu is None:
        return state, _HANGUP
    return _failed(config, state, menu, PlayReason.TIMEOUT)


def operator_team(config: Config, menu_id: str) -> str | None:
    """The team ``0`` reaches from ``menu_id``, or None when there is no team to reach.

    The menu's own ``operator_team`` wins if it names an existing team; otherwise the first
    existing team breadth-first through the options, then through the fallback chain, so an
    owner who never sets it still gets sensible behaviour.
    """
    menu = config.menus.get(menu_id)
    if menu is None:
        return None
    if menu.operator_team in config.teams:
        return menu.operator_team
    seen: set[str] = set()
    start: str | None = menu_id
    while start in config.menus and start not in seen:
        team = _first_team(config, start, seen)
        if team is not None:
            return team
        fallback = config.menus[start].fallback
        if fallback.team in config.teams:
            return fallback.team
        start = fallback.menu
    return None


def menu_warnings(config: Config, menu_id: str) -> list[str]:
    """Sentences for the owner about risky shapes of the tree starting at ``menu_id``.

    Nothing here blocks saving: the router copes with all of it, but callers may not.
    """
    if menu_id not in config.menus:
        return [f'Menu "{menu_id}" does not exist.']
    warnings = _depth_warnings(config, menu_id)
    for mid in _reachable(config, menu_id):
        warnings += _menu_checks(config, config.menus[mid])
    return warnings + _cycle_warnings(config, menu_id) + _fallback_loop_warnings(config, menu_id)


# --- routing helpers -------------------------------------------------------------------------


def _options(menu: Menu) -> list[tuple[str, Target]]:
    """The options a caller can choose, in key order; reserved or odd keys are unreachable."""
    return [(key, menu.options[key]) for key in OPTION_KEYS if key in menu.options]


def _resolve(config: Config, state: MenuState, target: Target, via: str) -> MenuResult | None:
    """Where ``target`` sends the caller, or None when it leads nowhere usable."""
    if target.team:
        return state, ToTeam(target.team, via)
    if target.sip:
        return state, ToPbx(target.sip)
    if target.menu:
        if target.menu not in config.menus:
            return None
        return replace(state, current=target.menu, failures=0), PlayMenu(
            target.menu, PlayReason.SUBMENU
        )
    if target.action is Action.REPEAT and via == "option":
        return state, PlayMenu(state.current, PlayReason.REPEAT)
    if target.action in _ENDINGS:
        return state, ToAction(target.action, target.text)
    return None


def _failed(config: Config, state: MenuState, menu: Menu, reason: PlayReason) -> MenuResult:
    """Count one failed attempt; past ``retries`` the menu's fallback takes over.

    A fallback that leads nowhere (missing menu, REPEAT, empty) hangs up rather than loop.
    """
    failed = replace(state, failures=state.failures + 1)
    if failed.failures <= menu.retries:
        return failed, PlayMenu(state.current, reason)
    return _resolve(config, failed, menu.fallback, "fallback") or (failed, _HANGUP)


def _first_team(config: Config, start: str, seen: set[str]) -> str | None:
    """Breadth-first over sub-menu options from ``start``: a level's teams before its menus."""
    queue = deque([start])
    seen.add(start)
    while queue:
        targets = [t for _, t in _options(config.menus[queue.popleft()])]
        team = next((t.team for t in targets if t.team in config.teams), None)
        if team is not None:
            return team
        for sub in (t.menu for t in targets if t.menu in config.menus and t.menu not in seen):
            seen.add(sub)
            queue.append(sub)
    return None


# --- warning helpers -------------------------------------------------------------------------


def _name(config: Config, menu_id: str) -> str:
    menu = config.menus.get(menu_id)
    return f'"{menu.name if menu else menu_id}"'


def _sub_menus(config: Config, menu_id: str) -> list[str]:
    return [t.menu for _, t in _options(config.menus[menu_id]) if t.menu in config.menus]


def _reachable(config: Config, root: str) -> list[str]:
    """Every existing menu a caller can end up in from ``root``, by option or fallback."""
    order, queue = [root], deque([root])
    while queue:
        mid = queue.popleft()
        for sub in [*_sub_menus(config, mid), config.menus[mid].fallback.menu]:
            if sub in config.menus and sub not in order:
                order.append(sub)
                queue.append(sub)
    return order


def _depth_warnings(config: Config, root: str) -> list[str]:
    """Callers get lost in deep trees: measured by the fewest key presses to each menu."""
    paths, queue = {root: [root]}, deque([root])
    while queue:
        mid = queue.popleft()
        for sub in _sub_menus(config, mid):
            if sub not in paths:
                paths[sub] = [*paths[mid], sub]
                queue.append(sub)
    deepest = max(paths.values(), key=len)
    route = " > ".join(_name(config, m) for m in deepest)
    return [] if len(deepest) <= MAX_DEPTH else [
        Text("Menu %(menu)s is %(depth)d levels deep (%(route)s); callers get lost beyond "
             "%(max)d levels.", menu=_name(config, deepest[-1]), depth=len(deepest),
             route=route, max=MAX_DEPTH)]


def _menu_checks(config: Config, menu: Menu) -> list[str]:
    """Per-menu problems: too many options, unusable keys, references to nothing."""
    name, out = _name(config, menu.id), []
    if len(menu.options) > MAX_OPTIONS:
        out.append(Text("Menu %(menu)s offers %(count)d options; callers remember at most "
                        "%(max)d.", menu=name, count=len(menu.options), max=MAX_OPTIONS))
    for key in sorted(set(menu.options) - set(OPTION_KEYS)):
        out.append(Text('Menu %(menu)s option "%(key)s" can never be chosen; use one key of '
                        "1-9 or #.", menu=name, key=key))
    for label, target in [*((f"option {k}", t) for k, t in _options(menu)),
                          ("fallback", menu.fallback)]:
        if target.team and target.team not in config.teams:
            out.append(Text('Menu %(menu)s %(where)s points at team "%(team)s", which does not '
                            "exist.", menu=name, where=label, team=target.team))
        if target.menu and target.menu not in config.menus:
            out.append(Text('Menu %(menu)s %(where)s points at menu "%(sub)s", which does not '
                            "exist.", menu=name, where=label, sub=target.menu))
    if menu.operator_team and menu.operator_team not in config.teams:
        out.append(Text('Menu %(menu)s sends 0 to team "%(team)s", which does not exist.',
                        menu=name, team=menu.operator_team))
    if operator_team(config, menu.id) is None:
        out.append(Text("Menu %(menu)s has no team reachable, so 0 cannot reach an agent.",
                        menu=name))
    return out


def _cycle_warnings(config: Config, root: str) -> list[str]:
    """One sentence per option leading back up the tree (allowed, but often a mistake)."""
    state: dict[str, str] = {}  # "open" while on the current path, then "done"
    out: list[str] = []

    def visit(mid: str) -> None:
        state[mid] = "open"
        for sub in _sub_menus(config, mid):
            if state.get(sub) == "open":
                out.append(Text("Menu %(menu)s leads back to %(up)s, so callers can go round "
                                "in a loop.", menu=_name(config, mid), up=_name(config, sub)))
            elif sub not in state:
                visit(sub)
        state[mid] = "done"

    for mid in _reachable(config, root):
        if mid not in state:
            visit(mid)
    return out


def _fallback_loop_warnings(config: Config, root: str) -> list[str]:
    """Fallbacks that only lead to menus in a circle keep a silent caller on the line for ever."""
    loops: set[frozenset[str]] = set()
    for mid in _reachable(config, root):
        chain: list[str] = []
        while mid in config.menus and mid not in chain:
            chain.append(mid)
            mid = config.menus[mid].fallback.menu
        if mid in chain:
            loops.add(frozenset(chain[chain.index(mid):]))
    return [
        Text("Menu %(menu)s falls back to itself, so a caller who presses nothing is never "
             "let go.", menu=_name(config, next(iter(loop)))) if len(loop) == 1 else
        Text("Menus %(menus)s fall back to each other, so a caller who presses nothing is "
             "never let go.", menus=", ".join(sorted(_name(config, m) for m in loop)))
        for loop in sorted(loops, key=sorted)
    ]
