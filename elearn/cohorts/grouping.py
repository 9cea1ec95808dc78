"""Groups for group work on an in-person day, proposed by a pure function (no database, no Flask).

The proposal, in order of priority:

1. **Sizes.** The number of groups is chosen so that every group has between ``smallest`` and
   ``largest`` members, and sizes never differ by more than one. When no number of groups fits
   (e.g. 9 people in groups of 5–7) the sizes are as even as possible: ``ceil(n / largest)`` groups.
2. **Organisations.** As few pairs from the same organisation in one group as there can be with
   that many groups: each organisation's members are spread evenly (an organisation of ``c`` people
   over ``k`` groups puts ``c // k`` or ``c // k + 1`` in each), which is the least possible
   (:func:`fewest_same_organisation_pairs`). Dealing people round-robin, organisation by
   organisation, achieves it for every organisation at once; later swaps never make it worse.
3. **Prefectures and experience.** Random swaps (from a generator seeded with ``seed``) are kept
   when they do not add a same-organisation pair and they lower the number of same-prefecture pairs
   plus the spread of experienced members (how far each group's count is from its fair share).

The same members, bounds and seed always give the same groups, whatever order the members come in.
"""
from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..kana import fold

#: Swaps tried per member (bounded overall), enough for a few hundred people in well under a second.
SWAPS_PER_MEMBER = 200
MAX_SWAPS = 40_000


@dataclass(frozen=True)
class Member:
    """What the proposal knows of a participant: their id, 所属, 都道府県 and whether they are experienced."""

    id: int
    organisation: str = ""
    prefecture: str = ""
    experienced: bool = False


def organisation_key(member: Member) -> str:
    """Organisations compare folded (width, kana, variants, spaces); an empty 所属 matches nobody."""
    return fold(member.organisation) or f"\0{member.id}"


def group_count(people: int, smallest: int, largest: int) -> int:
    """How many groups: sizes within [smallest, largest] when possible, nearest the middle size;
    else as even as possible with groups no larger than ``largest``."""
    if people <= 0:
        return 0
    smallest, largest = max(1, min(smallest, largest)), max(1, smallest, largest)
    fewest, most = math.ceil(people / largest), people // smallest
    if fewest > most:
        return fewest
    middle = (smallest + largest) / 2
    return min(range(fewest, most + 1), key=lambda k: (abs(people / k - middle), k))


def group_sizes(people: int, groups: int) -> list[int]:
    """``people`` split into ``groups`` sizes differing by at most one, larger first."""
    if groups <= 0:
        return []
    base, extra = divmod(people, groups)
    return [base + (1 if index < extra else 0) for index in range(groups)]


def pairs(count: int) -> int:
    return count * (count - 1) // 2


def fewest_same_organisation_pairs(organisation_sizes: Iterable[int], groups: int) -> int:
    """The least number of same-organisation pairs any split into ``groups`` groups can have."""
    total = 0
    for size in organisation_sizes:
        base, extra = divmod(size, groups)
        total += extra * pairs(base + 1) + (groups - extra) * pairs(base)
    return total


def same_pairs(groups: Sequence[Sequence[Member]], key) -> int:
    """Pairs of members in the same group with the same ``key(member)``."""
    return sum(pairs(count) for group in groups for count in Counter(key(m) for m in group).values())


def propose_groups(members: Iterable[Member], smallest: int, largest: int, seed: int = 0) -> list[list[Member]]:
    """Groups for ``members`` (see the module's docstring); each group ordered by member id."""
    people = sorted(members, key=lambda m: m.id)
    count = group_count(len(people), smallest, largest)
    if count == 0:
        return []
    rng = random.Random(seed)
    by_organisation: dict[str, list[Member]] = {}
    for member in people:
        by_organisation.setdefault(organisation_key(member), []).append(member)
    blocks = list(by_organisation.values())
    rng.shuffle(blocks)
    blocks.sort(key=len, reverse=True)  # stable: equal sizes keep the seeded order
    dealt: list[Member] = []
    for block in blocks:
        rng.shuffle(block)
        dealt.extend(block)
    groups: list[list[Member]] = [[] for _ in range(count)]
    for position, member in enumerate(dealt):
        groups[position % count].append(member)
    _improve(groups, rng, len(people))
    for group in groups:
        group.sort(key=lambda m: m.id)
    return groups


def _improve(groups: list[list[Member]], rng: random.Random, people: int) -> None:
    """Seeded random swaps that keep sizes and organisation pairs and lower prefecture pairs plus
    the spread of experienced members."""
    if len(groups) < 2:
        return
    organisations = [Counter(organisation_key(m) for m in group) for group in groups]
    prefectures = [Counter(m.prefecture or f"\0{m.id}" for m in group) for group in groups]
    experienced = [sum(m.experienced for m in group) for group in groups]
    total = sum(experienced)
    # A group's distance from its fair share of experienced members, times ``people`` (integers, exact).
    distance = [count * people - total * len(group) for count, group in zip(experienced, groups)]

    def moved(counter_a: Counter, counter_b: Counter, key_a, key_b) -> int:
        """Change in same-key pairs when a (key_a) goes from group A to B and b (key_b) from B to A."""
        if key_a == key_b:
            return 0
        return (counter_b[key_a] - (counter_a[key_a] - 1)) + (counter_a[key_b] - (counter_b[key_b] - 1))

    for _ in range(min(MAX_SWAPS, SWAPS_PER_MEMBER * people)):
        g, h = rng.sample(range(len(groups)), 2)
        i, j = rng.randrange(len(groups[g])), rng.randrange(len(groups[h]))
        a, b = groups[g][i], groups[h][j]
        org_a, org_b = organisation_key(a), organisation_key(b)
        if moved(organisations[g], organisations[h], org_a, org_b) > 0:
            continue
        pref_a, pref_b = a.prefecture or f"\0{a.id}", b.prefecture or f"\0{b.id}"
        change = moved(prefectures[g], prefectures[h], pref_a, pref_b)
        shift = (b.experienced - a.experienced) * people
        spread = ((distance[g] + shift) ** 2 - distance[g] ** 2 + (distance[h] - shift) ** 2 - distance[h] ** 2)
        if change * people * people + spread >= 0:
            continue
        groups[g][i], groups[h][j] = b, a
        for counters, key_a, key_b in ((organisations, org_a, org_b), (prefectures, pref_a, pref_b)):
            counters[g][key_a] -= 1
            counters[g][key_b] += 1
            counters[h][key_b] -= 1
            counters[h][key_a] += 1
        distance[g] += shift
        distance[h] -= shift
