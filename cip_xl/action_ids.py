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

from .model import Action, Plan, derived_action_id


def _pair(action: Action) -> tuple[str, str]:
    return action.ref, action.key_action


def _index(plan: Plan, key) -> dict:
    """The Action IDs of ``plan``'s actions by ``key(action)``, in order."""
    found: dict = {}
    for action in plan.actions:
        found.setdefault(key(action), []).append(action.action_id)
    return found


def matched_ids(earlier: Plan, plan: Plan, name: str) -> tuple[dict[int, str] | None, str]:
    """Each action of ``plan`` (by ``id()``) and the Action ID of its match among the
    actions of ``earlier`` (the same plan as saved before, in the file called
    ``name``): the action with the same Ref and Key action, or else with the same Key
    action, or the same Ref, where that is unique on both sides. Actions with no match
    (typed in since) are left out. ``(None, why)`` when any match is not certain — an
    action that could be more than one, or two actions matching one."""
    both = _index(earlier, _pair)
    by_ref = _index(earlier, lambda a: a.ref)
    by_text = _index(earlier, lambda a: a.key_action)
    mine_ref = Counter(a.ref for a in plan.actions)
    mine_text = Counter(a.key_action for a in plan.actions)
    matched: dict[int, str] = {}
    for action in plan.actions:
        doubtful = False
        # the words before the number: a Ref is renumbered more often than its action
        # is reworded (and a sort, renumbered after, keeps each action's words)
        for key, theirs, mine in ((_pair(action), both, None),
                                  (action.key_action, by_text, mine_text),
                                  (action.ref, by_ref, mine_ref)):
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


def out_of_place(earlier: Plan, plan: Plan,
                 owner: dict[int, str | None] | None = None) -> list[tuple[Action, str]]:
    """The actions of ``plan`` holding another action's Action ID, as rows sorted
    without their hidden ID column leave them — renumbered afterwards or not — each
    with the Ref that ID belonged to in ``earlier``: an action that is, by its Ref and
    Key action (or by its Key action alone, where no other action has it before or
    now), one other action of ``earlier``, whose ID no action of ``plan`` that is that
    action holds any more. Empty unless at least two are (a sort moves rows among each
    other; a row pasted over another leaves the original beside its ID). ``owner``:
    :func:`owners` of the two, if already worked out."""
    before = {a.action_id: a for a in earlier.actions if a.action_id}
    owner = owner or owners(earlier, plan)
    in_place = {a.action_id for a in plan.actions if owner[id(a)] == a.action_id}
    moved = [(action, before[action.action_id].ref) for action in plan.actions
             if action.action_id in before and owner[id(action)] not in
             (None, action.action_id) and owner[id(action)] not in in_place]
    return moved if len(moved) >= 2 else []


def all_in_place(earlier: Plan, plan: Plan) -> bool:
    """Whether every action of ``plan`` holds an Action ID of ``earlier`` that no other
    holds, under the Ref and Key action ``earlier`` had for it — nothing typed into the
    master moved or copied an ID, or renumbered or reworded an action: then
    :func:`out_of_place`, :func:`left_behind` and :func:`copied` find nothing, and need
    not be asked (the usual case, at a fraction of their cost)."""
    before = {a.action_id: _pair(a) for a in earlier.actions if a.action_id}
    held: set[str] = set()
    for action in plan.actions:
        ident = action.action_id
        if ident in held or before.get(ident) != _pair(action):
            return False
        held.add(ident)
    return True


def left_behind(earlier: Plan, plan: Plan,
                owner: dict[int, str | None] | None = None) -> list[tuple[Action, str]]:
    """The actions of ``plan`` that ``earlier`` does not know by their IDs (new ones, or
    ones read without an ID) but knows by their Ref and Key action (or Key action alone,
    where no other action has it), as one whose ID no action of ``plan`` holds any more,
    each with that ID: a row's cells cut and pasted into another row without its hidden
    ID, or an ID cleared. ``owner``: as for :func:`out_of_place`."""
    before = {a.action_id for a in earlier.actions if a.action_id}
    held = {a.action_id for a in plan.actions}
    owner = owner or owners(earlier, plan)
    found = [(action, owner[id(action)]) for action in plan.actions
             if action.action_id not in before and owner[id(action)] is not None and
             owner[id(action)] not in held]
    if len({ident for _, ident in found}) != len(found):
        return []  # two rows are one action: for a person to say which
    return found


def copied(earlier: Plan, plan: Plan,
           owner: dict[int, str | None] | None = None) -> list[tuple[Action, Action]]:
    """(copy, original) for each action of ``plan`` holding the Action ID of another
    that is, by its Ref and Key action (or Key action alone, where no other action has
    it), the one ``earlier`` had under that ID: a row copied ID and all, then made into
    a new action. Where none, or more than one, of the actions holding an ID is its
    action (a row copied and not yet changed), none is taken for the copy. ``owner``:
    as for :func:`out_of_place`."""
    owner = owner or owners(earlier, plan)
    holders: dict[str, list[Action]] = {}
    for action in plan.actions:
        if action.action_id:
            holders.setdefault(action.action_id, []).append(action)
    found = []
    for ident, group in holders.items():
        own = [a for a in group if owner[id(a)] == ident] if len(group) > 1 else []
        if len(own) == 1:
            found += [(action, own[0]) for action in group if action is not own[0]]
    return found


def owners(earlier: Plan, plan: Plan) -> dict[int, str | None]:
    """For each action of ``plan`` (by ``id()``), the Action ID of the action of
    ``earlier`` it is — the one with its Ref and Key action, or else its Key action
    alone where no other action has it, before or now — or None. It depends on their
    Refs and Key actions alone, so it holds while IDs are given back."""
    by_pair = _index(earlier, _pair)
    by_text = _index(earlier, lambda a: a.key_action)
    texts_now = Counter(a.key_action for a in plan.actions)

    def whose(action: Action) -> str | None:
        ids = by_pair.get(_pair(action), ())
        if len(ids) != 1 and action.key_action and texts_now[action.key_action] == 1:
            ids = by_text.get(action.key_action, ())
        return ids[0] if len(ids) == 1 else None

    return {id(action): whose(action) for action in plan.actions}


def give_back(plan: Plan, matched: dict[int, str]) -> list[Action]:
    """Give each action of ``plan`` its ID in ``matched`` (see :func:`matched_ids`).
    An action with no match keeps its ID unless a matched action now has it: then it
    gets a new one, the same at each reading of the file
    (:func:`~cip_xl.model.derived_action_id`). Returns the actions given new IDs."""
    taken = set(matched.values())
    held = {action.action_id for action in plan.actions} | taken
    fresh = []
    for action in plan.actions:
        if id(action) in matched:
            action.action_id = matched[id(action)]
        elif not action.action_id or action.action_id in taken:
            action.action_id = derived_action_id((action.row, action.ref,
                                                  action.key_action), held)
            held.add(action.action_id)
            fresh.append(action)
        taken.add(action.action_id)
    return fresh
