"""The group proposal as a pure function: properties checked with hypothesis, optimality by brute force."""
from __future__ import annotations

import itertools
import math
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from elearn.cohorts.grouping import (Member, fewest_same_organisation_pairs, group_count, group_sizes,
                                     organisation_key, propose_groups, same_pairs)

ORGANISATIONS = ["北センター", "南センター", "東ステーション", "西福祉課", ""]
PREFECTURES = ["東京都", "埼玉県", "千葉県", ""]


@st.composite
def rosters(draw, max_size: int = 60):
    """Members with unique ids, a few organisations and prefectures, some experienced."""
    ids = draw(st.lists(st.integers(1, 10_000), unique=True, max_size=max_size))
    return [Member(i, draw(st.sampled_from(ORGANISATIONS)), draw(st.sampled_from(PREFECTURES)), draw(st.booleans()))
            for i in ids]


bounds = st.tuples(st.integers(1, 9), st.integers(0, 4)).map(lambda t: (t[0], t[0] + t[1]))


@given(rosters(), bounds, st.integers(0, 2**32))
@settings(max_examples=150, deadline=None)
def test_every_member_in_exactly_one_group_and_sizes_even(members, size_bounds, seed):
    """Each member appears once; sizes differ by at most one; within bounds whenever any count of groups fits."""
    smallest, largest = size_bounds
    groups = propose_groups(members, smallest, largest, seed)
    placed = [m.id for group in groups for m in group]
    assert sorted(placed) == sorted(m.id for m in members) and len(placed) == len(set(placed))
    sizes = [len(group) for group in groups]
    if not members:
        assert groups == []
        return
    assert max(sizes) - min(sizes) <= 1 and min(sizes) >= 1
    fits = any(smallest <= len(members) / k <= largest and all(smallest <= s <= largest for s in group_sizes(len(members), k))
               for k in range(1, len(members) + 1))
    if fits:
        assert all(smallest <= s <= largest for s in sizes)
    else:
        assert len(groups) == math.ceil(len(members) / largest) and max(sizes) <= largest


@given(rosters(), bounds, st.integers(0, 2**32))
@settings(max_examples=150, deadline=None)
def test_same_organisation_pairs_are_the_fewest_possible(members, size_bounds, seed):
    """Counting argument: no split into that many groups has fewer same-organisation pairs."""
    groups = propose_groups(members, *size_bounds, seed)
    sizes = Counter(organisation_key(m) for m in members).values()
    assert same_pairs(groups, organisation_key) == fewest_same_organisation_pairs(sizes, len(groups))


@given(rosters(max_size=8), st.integers(2, 4).map(lambda s: (s, s + 1)), st.integers(0, 1000))
@settings(max_examples=60, deadline=None)
def test_brute_force_agrees_on_small_rosters(members, size_bounds, seed):
    """Every assignment of up to 8 people to the same number of groups (sizes within bounds, when
    they can be) has at least as many same-organisation pairs as the proposal."""
    groups = propose_groups(members, *size_bounds, seed)
    if not groups:
        return
    k = len(groups)
    proposed = same_pairs(groups, organisation_key)
    smallest, largest = size_bounds
    within = all(smallest <= len(g) <= largest for g in groups)
    best = None
    for labels in itertools.product(range(k), repeat=len(members)):
        split = [[m for m, label in zip(members, labels) if label == g] for g in range(k)]
        if any(not g for g in split) or (within and not all(smallest <= len(g) <= largest for g in split)):
            continue
        score = same_pairs(split, organisation_key)
        best = score if best is None else min(best, score)
    assert best is not None and proposed <= best


@given(rosters(), bounds, st.integers(0, 2**32), st.randoms(use_true_random=False))
@settings(max_examples=60, deadline=None)
def test_deterministic_for_a_seed_whatever_the_order(members, size_bounds, seed, shuffler):
    """The same members, bounds and seed give the same groups, in any input order."""
    first = propose_groups(members, *size_bounds, seed)
    shuffled = list(members)
    shuffler.shuffle(shuffled)
    assert propose_groups(shuffled, *size_bounds, seed) == first


def test_spreads_organisations_prefectures_and_experience():
    """30 people from 6 organisations and 3 prefectures in groups of 5–7: 5 groups of 6, one of each
    organisation per group, prefectures and experienced members spread."""
    members = [Member(i, f"センター{i % 6}", PREFECTURES[i % 3], i < 10) for i in range(30)]
    groups = propose_groups(members, 5, 7, seed=1)
    assert [len(g) for g in groups] == [6] * 5
    assert same_pairs(groups, organisation_key) == 0
    assert all(len({m.prefecture for m in g}) == 3 for g in groups)
    assert all(1 <= sum(m.experienced for m in g) <= 3 for g in groups)


def test_group_count_and_sizes():
    """Within bounds near the middle size; as even as possible when no count fits; empty organisations never pair."""
    assert group_count(30, 5, 7) == 5 and group_count(0, 5, 7) == 0
    assert group_count(9, 5, 7) == 2 and group_sizes(9, 2) == [5, 4]
    assert group_count(3, 5, 7) == 1
    assert same_pairs([[Member(1), Member(2)]], organisation_key) == 0
    assert same_pairs([[Member(1, "ｾﾝﾀｰ"), Member(2, "センター")]], organisation_key) == 1
