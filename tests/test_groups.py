"""Groups on in-person days: propose, move, lock, copy, what participants see, and sheets shared with a group."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from elearn.cohorts import groups as service
from elearn.dates import today
from elearn.extensions import db
from elearn.models import CaseSheet, CohortDay, Enrolment, GroupMember, Module, Role, User, utcnow
from elearn.permissions import can_view_sheet

from .conftest import PASSWORD, csrf_from

ORGS = ["北センター", "南センター", "東ステーション", "西福祉課"]


@pytest.fixture
def setting(app, content, make_user, make_cohort, auth):
    """An organiser signed in, a cohort with two in-person days and 12 participants from 4 organisations."""
    organiser = make_user(Role.ORGANISER)
    people = [make_user(name=f"参加者{i:02d}", organisation=ORGS[i % 4], prefecture=["東京都", "埼玉県"][i % 2])
              for i in range(12)]
    cohort = make_cohort([organiser], people, days=[today(), today() + timedelta(days=7)])
    auth.login(organiser.email)
    return SimpleNamespace(organiser=organiser, people=people, cohort=cohort,
                           url=f"/organiser/cohorts/{cohort.id}/days/{cohort.day_ids[0]}/groups")


def _post(client, url, data=None):
    return client.post(url, data={"csrf_token": csrf_from(client.get("/").text), **(data or {})})


def _numbers(app, day_id) -> dict[int, int]:
    with app.app_context():
        return dict(db.session.execute(select(GroupMember.user_id, GroupMember.number)
                                       .where(GroupMember.day_id == day_id)).all())


def test_propose_puts_everyone_in_one_group_spreading_organisations(app, client, setting):
    """12 people from 4 organisations in groups of 3–4: 3 groups of 4, no two from one organisation."""
    response = _post(client, setting.url + "/propose", {"smallest": "3", "largest": "4"})
    assert response.status_code == 302
    numbers = _numbers(app, setting.cohort.day_ids[0])
    assert set(numbers) == {p.id for p in setting.people}
    assert sorted(list(numbers.values()).count(n) for n in set(numbers.values())) == [4, 4, 4]
    organisation = {p.id: p.organisation for p in setting.people}
    for number in set(numbers.values()):
        members = [organisation[u] for u, n in numbers.items() if n == number]
        assert len(members) == len(set(members))
    page = client.get(setting.url).text
    assert "グループ3（4人" in page and "未確定" in page and "同じ所属：" not in page


def test_invalid_sizes_are_refused(client, setting):
    response = _post(client, setting.url + "/propose", {"smallest": "7", "largest": "5"})
    assert response.status_code == 400 and "上限は下限以上にしてください。" in response.text


def test_move_only_changes_what_the_page_changed(app, client, setting):
    """A select per person moves them; a row left as shown (was-) never undoes a colleague's move."""
    _post(client, setting.url + "/propose", {"smallest": "3", "largest": "4"})
    numbers = _numbers(app, setting.cohort.day_ids[0])
    first, second = setting.people[0].id, setting.people[1].id
    target = numbers[second] if numbers[second] != numbers[first] else (numbers[first] % 3) + 1
    with app.app_context():  # a colleague moved the second person to group 4 meanwhile
        db.session.execute(GroupMember.__table__.update().where(GroupMember.user_id == second).values(number=4))
        db.session.commit()
    response = _post(client, setting.url + "/move", {f"group-{first}": str(target), f"was-{first}": str(numbers[first]),
                                                     f"group-{second}": str(numbers[second]),
                                                     f"was-{second}": str(numbers[second])})
    assert response.status_code == 302
    after = _numbers(app, setting.cohort.day_ids[0])
    assert after[first] == target and after[second] == 4
    assert _post(client, setting.url + "/move", {f"group-{first}": "99", f"was-{first}": ""}).status_code == 302
    assert _numbers(app, setting.cohort.day_ids[0])[first] == target  # refused: no such group


def test_lock_shows_the_group_to_participants_and_freezes_it(app, client, setting, auth):
    """Before locking a participant sees nothing; after, their group's names and 所属; a locked grouping
    refuses proposals and moves until unlocked."""
    _post(client, setting.url + "/propose", {"smallest": "3", "largest": "4"})
    numbers = _numbers(app, setting.cohort.day_ids[0])
    me = setting.people[0]
    mates = [p for p in setting.people if numbers[p.id] == numbers[me.id]]
    others = [p for p in setting.people if numbers[p.id] != numbers[me.id]]
    client_learner = app.test_client()
    learner_auth = type(auth)(client_learner)
    learner_auth.login(me.email, PASSWORD)
    groups_url = f"/certificates/{setting.cohort.id}/groups"
    assert "グループはまだ決まっていません" in client_learner.get(groups_url).text
    assert _post(client, setting.url + "/lock").status_code == 302
    page = client_learner.get(groups_url).text
    assert f"グループ{numbers[me.id]}" in page
    assert all(p.display_name in page and p.organisation in page for p in mates)
    assert not any(p.display_name in page for p in others)
    assert "集合研修のグループ" in client_learner.get("/certificates/").text
    assert client_learner.get(setting.url).status_code == 403
    _post(client, setting.url + "/propose", {"smallest": "5", "largest": "6"})
    assert _numbers(app, setting.cohort.day_ids[0]) == numbers
    assert "確定済み" in client.get(setting.url).text
    _post(client, setting.url + "/lock", {"unlock": "1"})
    assert "グループはまだ決まっていません" in client_learner.get(groups_url).text


def test_copy_from_another_day_and_removal(app, client, setting):
    """The second day copies the first day's groups; a removed participant leaves every group."""
    _post(client, setting.url + "/propose", {"smallest": "3", "largest": "4"})
    second_url = f"/organiser/cohorts/{setting.cohort.id}/days/{setting.cohort.day_ids[1]}/groups"
    response = _post(client, second_url + "/copy", {"source": str(setting.cohort.day_ids[0])})
    assert response.status_code == 302
    assert _numbers(app, setting.cohort.day_ids[1]) == _numbers(app, setting.cohort.day_ids[0])
    leaver = setting.people[3]
    participants = f"/organiser/cohorts/{setting.cohort.id}/participants"
    client.post(f"{participants}/{leaver.id}/remove", data={"csrf_token": csrf_from(client.get(participants).text)})
    assert leaver.id not in _numbers(app, setting.cohort.day_ids[0])
    assert leaver.id not in _numbers(app, setting.cohort.day_ids[1])


def test_newcomers_are_listed_without_a_group(app, client, setting, make_user):
    """Someone enrolled after the proposal is shown under グループなし with a select."""
    _post(client, setting.url + "/propose", {"smallest": "3", "largest": "4"})
    late = make_user(name="遅れて登録")
    with app.app_context():
        db.session.add(Enrolment(cohort_id=setting.cohort.id, user_id=late.id))
        db.session.commit()
    page = client.get(setting.url).text
    assert "グループなし（1人）" in page and f'name="group-{late.id}"' in page


def _share(app, author: User, *, group: bool = True) -> int:
    with app.app_context():
        case_id = db.session.scalar(select(Module.id).where(Module.slug == "t-case"))
        sheet = CaseSheet(user_id=author.id, module_id=case_id, issues="家族だけが相談に来ている",
                          shared_at=utcnow(), group_shared_at=utcnow() if group else None)
        db.session.add(sheet)
        db.session.commit()
        return sheet.id


def _can_view(app, user_id: int, sheet_id: int) -> bool:
    with app.app_context():
        return can_view_sheet(db.session.get(User, user_id), db.session.get(CaseSheet, sheet_id))


def test_sheet_shared_with_the_group_is_readable_by_its_members_while_the_cohort_runs(app, client, setting):
    """Only members of the author's locked group read it, only while the cohort runs, only while shared."""
    _post(client, setting.url + "/propose", {"smallest": "3", "largest": "4"})
    numbers = _numbers(app, setting.cohort.day_ids[0])
    author = setting.people[0]
    mate = next(p for p in setting.people[1:] if numbers[p.id] == numbers[author.id])
    other = next(p for p in setting.people if numbers[p.id] != numbers[author.id])
    sheet_id = _share(app, author)
    assert not _can_view(app, mate.id, sheet_id)  # not locked yet
    _post(client, setting.url + "/lock")
    assert _can_view(app, mate.id, sheet_id) and not _can_view(app, other.id, sheet_id)
    with app.app_context():
        db.session.get(CaseSheet, sheet_id).group_shared_at = None
        db.session.commit()
    assert not _can_view(app, mate.id, sheet_id)  # shared with organisers only
    with app.app_context():
        db.session.get(CaseSheet, sheet_id).group_shared_at = utcnow()
        cohort = db.session.get(CohortDay, setting.cohort.day_ids[0]).cohort
        cohort.closes_on = today() - timedelta(days=1)
        for day in cohort.days:
            day.day = today() - timedelta(days=2 + day.id % 2)
        db.session.commit()
    assert not _can_view(app, mate.id, sheet_id)  # the cohort is over


def test_group_sheets_are_listed_on_the_learner_group_page(app, client, setting, auth):
    """The group page links the sheets fellow members shared with the group; the sheet page opens for them."""
    _post(client, setting.url + "/propose", {"smallest": "3", "largest": "4"})
    _post(client, setting.url + "/lock")
    numbers = _numbers(app, setting.cohort.day_ids[0])
    author = setting.people[0]
    mate = next(p for p in setting.people[1:] if numbers[p.id] == numbers[author.id])
    other = next(p for p in setting.people if numbers[p.id] != numbers[author.id])
    sheet_id = _share(app, author)
    mate_client = app.test_client()
    type(auth)(mate_client).login(mate.email, PASSWORD)
    page = mate_client.get(f"/certificates/{setting.cohort.id}/groups").text
    assert f"/cases/sheets/{sheet_id}" in page and f"{author.display_name} さん" in page
    assert "家族だけが相談に来ている" in mate_client.get(f"/cases/sheets/{sheet_id}").text
    other_client = app.test_client()
    type(auth)(other_client).login(other.email, PASSWORD)
    assert other_client.get(f"/cases/sheets/{sheet_id}").status_code == 404


def test_group_share_needs_a_share_and_ends_with_it(app, client, setting, auth):
    """The learner's buttons: sharing with the group needs the organisers' share first; withdrawing
    the share withdraws the group share too (the group itself stays)."""
    _post(client, setting.url + "/propose", {"smallest": "3", "largest": "4"})
    _post(client, setting.url + "/lock")
    learner = setting.people[0]
    auth.logout()
    auth.login(learner.email)
    case_url = "/cases/t-case"
    token = csrf_from(client.get(case_url).text)
    client.post(f"{case_url}/sheet", data={"csrf_token": token, "issues": "気づき"})
    refused = client.post(f"{case_url}/sheet/share-group", data={"csrf_token": token}, follow_redirects=True)
    assert "先に研修担当者と共有してください" in refused.text
    client.post(f"{case_url}/sheet/share", data={"csrf_token": token})
    shared = client.post(f"{case_url}/sheet/share-group", data={"csrf_token": token}, follow_redirects=True)
    assert "グループのメンバーとも共有しました" in shared.text and "集合研修のグループとも共有中" in shared.text
    client.post(f"{case_url}/sheet/share", data={"csrf_token": token})
    with app.app_context():
        sheet = db.session.scalar(select(CaseSheet).where(CaseSheet.user_id == learner.id))
        assert sheet.shared_at is None and sheet.group_shared_at is None


def test_group_share_is_offered_only_with_a_locked_group(app, client, setting, auth):
    """Before the groups are locked nobody in a group can read the sheet: no button, and a POST is refused."""
    _post(client, setting.url + "/propose", {"smallest": "3", "largest": "4"})  # proposed, not locked
    learner = setting.people[0]
    auth.logout()
    auth.login(learner.email)
    case_url = "/cases/t-case"
    token = csrf_from(client.get(case_url).text)
    client.post(f"{case_url}/sheet", data={"csrf_token": token, "issues": "気づき"})
    client.post(f"{case_url}/sheet/share", data={"csrf_token": token})
    page = client.get(case_url).text
    assert "共有を取り消す" in page and "集合研修のグループのメンバーとも共有する" not in page
    refused = client.post(f"{case_url}/sheet/share-group", data={"csrf_token": token}, follow_redirects=True)
    assert "共有できるグループがありません" in refused.text
    with app.app_context():
        assert db.session.scalar(select(CaseSheet.group_shared_at).where(CaseSheet.user_id == learner.id)) is None