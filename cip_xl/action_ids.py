"""Action IDs given back to their actions, matched with the plan as cip-xl last saved it.

Returns, change requests and the audit trail know an action only by its Action ID, kept
in a hidden column at the end of the Plan sheet. Two things done in Excel part actions
from their IDs: deleting that column (:func:`cip_xl.plan_read._restore_ids`), and
sorting the sheet — or moving rows by cut and paste — with only the visible columns
selected: Excel moves every cell of the rows but the hidden ID, which stays where it was
and now names another action. Both are mended from an earlier reading of the plan, each
action matched by its Ref and Key action (:func:`matched_ids`).
"""
from __future__ import annotations

from collections import Counter

from .model import Action, Plan, new_action_id


def _pair(action: Action) -> tuple[str, str]:
    return action.ref, action.key_action


def matched_ids(earlier: Plan, plan: Plan, name: str) -> tuple[dict[int, str] | None, str]:
    """Each action of ``plan`` (by ``id()``) and the Action ID of its match among the
    actions of ``earlier`` (the same plan as saved before, in the file called
    ``name``): the action with the same Ref and Key action, or else with the same Ref,
    or the same Key action, where that is unique on both sides. Actions with no match
    (typed in since) are left out. ``(None, why)`` when any match is not certain — an
    action that could be more than one, or two actions matching one."""
    def index(key) -> dict:
        found: dict = {}
        for action in earlier.actions:
            found.setdefault(key(action), []).append(action.action_id)
        return found

    both = index(_pair)
    by_ref, by_text = index(lambda a: a.ref), index(lambda a: a.key_action)
    mine_ref = Counter(a.ref for a in plan.actions)
    mine_text = Counter(a.key_action for a in plan.actions)
    matched: dict[int, str] = {}
    for action in plan.actions:
        doubtful = False
        for key, theirs, mine in ((_pair(action), both, None),
                                  (action.ref, by_ref, mine_ref),
                                  (action.key_action, by_text, mine_text)):
            ids = theirs.get(key, [])
            if len(ids) == 1 and (mine is None or mine[key] == 1):
                matched[id(action)] = ids[0]
                break
            doubtful = doubtful or len(ids) > 1 or (len(ids) == 1 and mine[key] > 1)
        else:
            if doubtful:
                return None, f"Ref {action.ref or '?'} could be more than one action of {name}"
    if len(set(matched.values())) != len(matched):
        return None, f"two actions of the plan match one in {name}"
    return matched, ""


def out_of_place(earlier: Plan, plan: Plan) -> list[tuple[Action, str]]:
    """The actions of ``plan`` holding another action's Action ID, as rows sorted
    without their hidden ID column leave them, each with the Ref that ID belonged to in
    ``earlier``: an action whose Ref and Key action are no longer its ID's but are,
    exactly, those of one other action in ``earlier``, whose ID no action of ``plan``
    holds beside them any more. Empty unless at least two are (a sort moves rows
    among each other; one action renumbered and reworded is an edit, and a row pasted
    over another leaves the original beside its ID)."""
    before = {a.action_id: _pair(a) for a in earlier.actions if a.action_id}
    owners: dict[tuple[str, str], list[str]] = {}
    for action in earlier.actions:
        owners.setdefault(_pair(action), []).append(action.action_id)
    in_place = {a.action_id for a in plan.actions if before.get(a.action_id) == _pair(a)}
    moved = []
    for action in plan.actions:
        pair = _pair(action)
        was = before.get(action.action_id)
        if was is None or was == pair:
            continue
        ids = owners.get(pair, ())
        if len(ids) == 1 and ids[0] != action.action_id and ids[0] not in in_place:
            moved.append((action, was[0]))
    return moved if len(moved) >= 2 else []


def give_back(plan: Plan, matched: dict[int, str]) -> list[Action]:
    """Give each action of ``plan`` its ID in ``matched`` (see :func:`matched_ids`).
    An action with no match keeps its ID unless a matched action now has it: then it
    gets a new one. Returns the actions given new IDs."""
    taken = set(matched.values())
    fresh = []
    for action in plan.actions:
        if id(action) in matched:
            action.action_id = matched[id(action)]
        elif not action.action_id or action.action_id in taken:
            action.action_id = new_action_id()
            fresh.append(action)
        taken.add(action.action_id)
    return fresh
