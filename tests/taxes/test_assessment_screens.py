"""Assessment run screens (/taxes/assessment/): the list and the new run, the run (summary, proposals with filters,
sorting and paging, the histogram of the differences), issue through the confirmation, refusals and permissions."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import roles
from core.domain.money import format_pln
from taxes.models import AssessmentRun, Decision, Proposal
from taxes.services.assessment import assessment_run_create, assessment_run_issue, assessment_run_request_compute
from taxes.views.assessment import difference_bucket, histogram
from tests.factories import PersonFactory
from tests.taxes.conftest_assessment import *  # noqa: F403
from tests.taxes.conftest_assessment import counts

D = Decimal
S = AssessmentRun.Status


def _new_run(client, year=2025, issue_date="10.02.2025"):
    response = client.post(reverse("taxes:assessment-runs"), {"year": year, "issue_date": issue_date})
    assert response.status_code == 302, response.content.decode()[:2000]
    return AssessmentRun.objects.get(year=year, status__in=AssessmentRun.ACTIVE)


def _rows(html: str) -> dict[str, list[str]]:
    """Proposal table rows: the taxpayer's name → the cell texts."""
    table = html.split('data-testid="proposal-table"', 1)[1].split("</table>", 1)[0]
    rows = {}
    for tr in re.findall(r"<tr data-party=.*?</tr>", table, re.S):
        cells = [re.sub(r"<[^>]+>", " ", c).split() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        cells = [" ".join(c) for c in cells]
        rows[cells[0]] = cells
    return rows


def _money(value) -> str:
    return " ".join(format_pln(D(value)).split())


def test_list_and_new_run_show_exact_totals_and_e1(client, register_2025, assess_clerk):
    client.force_login(assess_clerk)
    page = client.get(reverse("taxes:assessment-runs"))
    assert page.status_code == 200
    assert _("No assessment runs yet.") in page.content.decode()
    run = _new_run(client)
    assert run.status == S.DRY_RUN
    assert run.issue_date == datetime.date(2025, 2, 10)
    html = client.get(reverse("taxes:assessment-run", args=[run.pk])).content.decode()
    assert _("The dry run is computed: review the proposals.") in html
    assert 'hx-trigger="every 2s"' not in html  # not polling once computed
    summary = " ".join(re.sub(r"<[^>]+>", " ", html.split('data-testid="run-summary"', 1)[1].split("</dl>")[0]).split())
    assert f"{_('Total this year')} {_money('3597')}" in summary
    assert f"{_('Decisions')} 3" in summary
    assert f"{_('Decision units')} 5" in summary
    per_paragraf = " ".join(re.sub(r"<[^>]+>", " ", html.split('data-testid="summary-per-paragraf"')[1]).split())
    assert f"0310 {_money('1576')} 0320 {_money('1899')} 0330 {_money('122')}" in per_paragraf
    rows = _rows(html)
    e1 = next(cells for name, cells in rows.items() if name.endswith("Ejeden"))
    assert e1[1:5] == ["—", "—", _money("727"), _money("727")]
    assert e1[6] == _("e-Doręczenia")
    assert e1[7] == f"{_('property tax')}: {_money('727')}"
    maly = next(cells for name, cells in rows.items() if name.endswith("Maly"))
    assert _("below threshold") in maly[5]
    assert maly[7] == f"{_('property tax')}: {_money('4')} ({_('no decision')})"
    co = next(cells for name, cells in rows.items() if name.endswith("Wspolny"))
    assert co[1] == register_2025["co_b"].display_name
    assert co[3] == _money("730")
    assert not any(name.endswith("Bezadresu") for name in rows)  # a co-obligor, not a proposal of its own
    listing = client.get(reverse("taxes:assessment-runs")).content.decode()
    assert f"#{run.pk}" in listing
    assert _money("3597") in " ".join(listing.split())


def _issued_2025_and_run_2026(assess_clerk):
    first = assessment_run_create(actor=assess_clerk, year=2025, issue_date=datetime.date(2025, 2, 10))
    assessment_run_issue(actor=assess_clerk, run=assessment_run_request_compute(actor=assess_clerk, run=first))
    run = assessment_run_create(actor=assess_clerk, year=2026, issue_date=datetime.date(2026, 2, 10))
    return assessment_run_request_compute(actor=assess_clerk, run=run)


def test_year_over_year_filter_sort_and_histogram(client, register_2025, assess_clerk, bank_profile):
    run = _issued_2025_and_run_2026(assess_clerk)
    client.force_login(assess_clerk)
    url = reverse("taxes:assessment-run", args=[run.pk])
    html = client.get(url).content.decode()
    rows = _rows(html)
    e1 = next(cells for name, cells in rows.items() if name.endswith("Ejeden"))
    assert e1[2:5] == [_money("727"), _money("766"), _money("39")]
    # filter by flag: only the flagged rows
    only_change = _rows(client.get(url, {"flag": "change"}).content.decode())
    assert [n.split()[-1] for n in only_change] == ["Eszesc"]
    assert _("change") in next(iter(only_change.values()))[5]
    only_co = _rows(client.get(url, {"flag": "co_owner_no_address"}).content.decode())
    assert [n.split()[-1] for n in only_co] == ["Wspolny"]
    assert [n.split()[-1] for n in _rows(client.get(url, {"flag": "no_rate"}).content.decode())] == ["Bezstawki"]
    # sorting by the absolute difference, the largest first (−430, +40 of the co-owned land, +39)
    by_diff = [n.split()[-1] for n in _rows(client.get(url, {"sort": "difference"}).content.decode())]
    assert by_diff == ["Eszesc", "Wspolny", "Ejeden", "Maly", "Bezstawki"]
    # the histogram: an SVG with a <title> and the same counts in the table beside it
    assert '<svg xmlns="http://www.w3.org/2000/svg" role="img"' in html
    assert '<title id="chart-differences-t">' in html
    table = " ".join(
        re.sub(r"<[^>]+>", " ", html.split('data-testid="histogram-table"')[1].split("</table>")[0]).split()
    )
    assert f"{_('below −20 %')} 1" in table
    assert f"{_('−5 % to +5 %')} 0" in table
    assert f"{_('+5 % to +20 %')} 2" in table
    assert f"{_('new taxpayer')} 2" in table
    assert f"<title>{_('+5 % to +20 %')}: 2</title>" in html


def test_difference_buckets():
    assert difference_bucket(D("100"), None) == "new"
    assert difference_bucket(D("100"), D("0")) == "new"
    assert difference_bucket(D("79"), D("100")) == "lt-20"
    assert difference_bucket(D("80"), D("100")) == "-20-5"
    assert difference_bucket(D("95"), D("100")) == "-5+5"
    assert difference_bucket(D("105"), D("100")) == "-5+5"
    assert difference_bucket(D("120"), D("100")) == "+5+20"
    assert difference_bucket(D("121"), D("100")) == "gt+20"
    assert histogram([(D("1"), None), (D("200"), D("100"))]) == {
        "lt-20": 0, "-20-5": 0, "-5+5": 0, "+5+20": 0, "gt+20": 1, "new": 1}  # fmt: skip


def test_paging_by_50(client, register_2025, assess_clerk):
    run = AssessmentRun.objects.create(year=2030, status=S.DRY_RUN, summary={"counts": {}}, created_by=assess_clerk)
    people = [PersonFactory(surname=f"Stronicowy{i:03d}") for i in range(51)]
    Proposal.objects.bulk_create(
        [Proposal(run=run, party=p, unit=str(p.pk), total=D("10"), difference=D("10")) for p in people]
    )
    client.force_login(assess_clerk)
    url = reverse("taxes:assessment-run", args=[run.pk])
    assert len(_rows(client.get(url).content.decode())) == 50
    assert list(_rows(client.get(url, {"page": 2}).content.decode())) == [people[50].display_name]


def test_issue_through_the_confirmation(client, register_2025, assess_clerk, bank_profile):
    client.force_login(assess_clerk)
    run = _new_run(client)
    confirm = client.get(reverse("taxes:assessment-run-issue", args=[run.pk]))
    assert confirm.status_code == 200
    text = " ".join(re.sub(r"<[^>]+>", " ", confirm.content.decode()).split())
    expected = ngettext(
        "%(counter)s decision for the total of %(total)s will be issued.",
        "%(counter)s decisions for the total of %(total)s will be issued.",
        3,
    ) % {"counter": 3, "total": _money("3597")}
    assert expected in text
    assert Decision.objects.count() == 0  # the confirmation page writes nothing
    response = client.post(reverse("taxes:assessment-run-issue", args=[run.pk]))
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == S.ISSUED
    assert sorted(Decision.objects.filter(run=run).values_list("total", flat=True)) == [
        D("727"), D("730"), D("2140")]  # fmt: skip
    page = client.get(reverse("taxes:assessment-run", args=[run.pk])).content.decode()
    assert (_("Decisions issued: %(count)d.") % {"count": 3}) in page
    done = Decision.objects.filter(run=run, document__isnull=False).count()
    shown = _("Decision documents rendered and handed over to EZD: %(done)s of %(total)s") % {"done": done, "total": 3}
    assert shown in page
    fragment = client.get(
        reverse("taxes:assessment-run", args=[run.pk]), {"fragment": "progress"}, HTTP_HX_REQUEST="true"
    )
    assert shown in fragment.content.decode()
    assert ("HX-Refresh" in fragment) == (done == 3)  # polling goes on while documents are being rendered
    e1 = Decision.objects.get(run=run, total=D("727"))
    row = next(cells for name, cells in _rows(page).items() if name.endswith("Ejeden"))
    assert row[7] == e1.number


def test_second_active_run_refused_shows_message_writes_nothing(client, register_2025, assess_clerk):
    client.force_login(assess_clerk)
    first = _new_run(client)
    before = (*counts(), AssessmentRun.objects.count())
    response = client.post(reverse("taxes:assessment-runs"), {"year": 2025, "issue_date": "11.02.2025"})
    assert response.status_code == 400
    message = _("Another assessment run for %(year)s is active: #%(id)s (%(status)s). Finish or cancel it first.") % {
        "year": 2025, "id": first.pk, "status": first.get_status_display()}  # fmt: skip
    assert message in response.content.decode().replace("&#x27;", "'")
    assert (*counts(), AssessmentRun.objects.count()) == before


def test_issue_refused_without_bank_profile_writes_nothing(client, register_2025, assess_clerk):
    client.force_login(assess_clerk)
    run = _new_run(client)
    before = counts()
    response = client.post(reverse("taxes:assessment-run-issue", args=[run.pk]), follow=True)
    assert response.status_code == 200
    assert response.context["messages"]
    assert any(m.level_tag == "error" for m in response.context["messages"])
    run.refresh_from_db()
    assert run.status == S.DRY_RUN
    assert counts() == before


def test_compute_again_and_cancel(client, register_2025, assess_clerk):
    client.force_login(assess_clerk)
    run = _new_run(client)
    old = set(Proposal.objects.filter(run=run).values_list("pk", flat=True))
    client.post(reverse("taxes:assessment-run-action", args=[run.pk, "compute"]))
    run.refresh_from_db()
    assert run.status == S.DRY_RUN
    assert Proposal.objects.filter(run=run).count() == 5
    assert not old & set(Proposal.objects.filter(run=run).values_list("pk", flat=True))
    client.post(reverse("taxes:assessment-run-action", args=[run.pk, "cancel"]))
    run.refresh_from_db()
    assert run.status == S.CANCELLED
    before = counts()
    response = client.post(reverse("taxes:assessment-run-action", args=[run.pk, "compute"]), follow=True)
    assert any(m.level_tag == "error" for m in response.context["messages"])
    assert counts() == before


def test_progress_fragment_polls_while_busy(client, register_2025, assess_clerk):
    run = AssessmentRun.objects.create(year=2031, progress_done=3, progress_total=10, created_by=assess_clerk)
    client.force_login(assess_clerk)
    url = reverse("taxes:assessment-run", args=[run.pk])
    fragment = client.get(url, {"fragment": "progress"}, headers={"HX-Request": "true"})
    assert 'hx-trigger="every 2s"' in fragment.content.decode()
    assert '<progress max="10" value="3">' in fragment.content.decode()
    AssessmentRun.objects.filter(pk=run.pk).update(status=S.DRY_RUN)
    done = client.get(url, {"fragment": "progress"}, headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true"


def test_permissions(client, register_2025, assess_clerk, no_assess_user, make_user):
    run = AssessmentRun.objects.create(year=2032, status=S.DRY_RUN, summary={"counts": {"decisions": 1}})
    before = (*counts(), AssessmentRun.objects.count())
    client.force_login(no_assess_user)
    assert client.get(reverse("taxes:assessment-runs")).status_code == 403
    assert client.post(reverse("taxes:assessment-runs"), {"year": 2025, "issue_date": "10.02.2025"}).status_code == 403
    assert client.get(reverse("taxes:assessment-run", args=[run.pk])).status_code == 403
    assert client.post(reverse("taxes:assessment-run-issue", args=[run.pk])).status_code == 403
    assert client.post(reverse("taxes:assessment-run-action", args=[run.pk, "cancel"])).status_code == 403
    # the head of unit (taxes.view_decision) sees the runs but may not change them
    client.force_login(make_user(roles.HEAD_OF_UNIT))
    page = client.get(reverse("taxes:assessment-run", args=[run.pk]))
    assert page.status_code == 200
    assert 'data-testid="run-actions"' not in page.content.decode()
    assert 'data-testid="assessment-run-new"' not in client.get(reverse("taxes:assessment-runs")).content.decode()
    assert client.post(reverse("taxes:assessment-runs"), {"year": 2025, "issue_date": "10.02.2025"}).status_code == 403
    assert client.get(reverse("taxes:assessment-run-issue", args=[run.pk])).status_code == 403
    assert client.post(reverse("taxes:assessment-run-issue", args=[run.pk])).status_code == 403
    assert client.post(reverse("taxes:assessment-run-action", args=[run.pk, "cancel"])).status_code == 403
    assert (*counts(), AssessmentRun.objects.count()) == before
    assert AssessmentRun.objects.get(pk=run.pk).status == S.DRY_RUN


@pytest.mark.parametrize("name", ["taxes-assessment"])
def test_menu_item(name):
    from core.navigation import _items

    assert _items[name].url_name == "taxes:assessment-runs"
