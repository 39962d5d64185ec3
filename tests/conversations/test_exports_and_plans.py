"""Exports and the improvement plan at the engine: who may take which file, where it goes, what the
snapshot holds (and the files made from it, read back), the plan's target, proposal, items,
owners and due dates, and the plan in /progres and the reminders."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
from pypdf import PdfReader

from bot.report_words import CatalogWords
from conversations.engine import Engine
from conversations.events import Chat
from knowledge.planning import Target, propose
from knowledge.scoring import evaluate
from reports import jobs
from storage.models import Role
from tests.conversations.conftest import PACKS, Client, institution_with

GROUP = Chat(-1001, "supergroup", "Tim SPBE")
PACK = PACKS.get("spbe-2020")
# a mid-table evaluation: 2.x Cukup, so Baik is a target above it
LEVELS = {i.number: 2 + (i.number % 3 == 0) for i in PACK.indicators}


async def team(engine: Engine, *, answered: dict[int, int] | None = None) -> tuple[int, int, Client, Client]:
    """(institution, period, the koordinator, an officer); the answers saved by the officer."""
    institution = await institution_with(engine, (10, "Sari", Role.KOORDINATOR), (50, "Wati", Role.OFFICER))
    async with engine.db.transaction() as tx:
        period = await tx.periods.create(institution_id=institution, year=2026, framework=PACK.id, level_min=1, level_max=5,
                                         indicator_count=47)
        for number, level in (LEVELS if answered is None else answered).items():
            await tx.answers.save(period_id=period.id, indicator=number, level=level, explanation=f"Fakta {number}. Analisis {number}.",
                                  by=50)
    return institution, period.id, Client(engine, 10, "Sari"), Client(engine, 50, "Wati")


async def link_group(engine: Engine, institution: int) -> None:
    async with engine.db.transaction() as tx:
        await tx.groups.link(chat_id=GROUP.id, institution_id=institution, title="Tim SPBE", linked_by=10)


def formats(client: Client) -> list[str]:
    return [b.args["format"] for r in client.reply().buttons for b in r if b.label == "export_format"]


async def test_officers_take_every_file_but_the_berita_acara(engine: Engine) -> None:
    _, _, lead, officer = await team(engine)
    await officer.command("ekspor")
    assert formats(officer) == ["pdf", "xlsx", "csv", "portal", "charts"]
    await lead.command("ekspor")
    assert formats(lead) == ["pdf", "xlsx", "docx", "csv", "portal", "charts"]
    await officer.press_data(lead.button("export_format", format="docx").data)  # a lead's button, pressed by an officer
    assert officer.views() == ["short:export_lead_only"] and not officer.last.files
    await officer.press("export_format", officer.kept[0], format="xlsx")
    (job,) = officer.last.files
    assert job.kind == "xlsx" and job.chat_id is None and officer.last.toast == "toast_export_started"
    assert job.snapshot.evaluation == evaluate(PACK, LEVELS) and job.snapshot.team[0].name == "Sari"
    book = openpyxl.load_workbook(io.BytesIO(jobs.files(job.kind, job.snapshot, CatalogWords("id"))[0].data))
    assert book["Indikator"].max_row == 48 and book["Indikator"]["H13"].value == "Fakta 12. Analisis 12."


async def test_the_pdf_made_from_the_engine_shows_its_index(engine: Engine) -> None:
    _, _, lead, _ = await team(engine)
    await lead.command("ekspor")
    await lead.press("export_format", format="pdf")
    (job,) = lead.last.files
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(jobs.files("pdf", job.snapshot, CatalogWords("id"))[0].data)).pages)
    index = evaluate(PACK, LEVELS).index
    assert index is not None and CatalogWords("id").number(index.value) in text and index.predicate.label in text


async def test_in_a_linked_group_the_lead_chooses_the_group_or_a_private_chat(engine: Engine) -> None:
    institution, _, _, _ = await team(engine)
    await link_group(engine, institution)
    in_group = Client(engine, 10, "Sari", chat=GROUP)
    officer_in_group = Client(engine, 50, "Wati", chat=GROUP)
    await officer_in_group.command("ekspor")  # into a group: leads only
    assert officer_in_group.views() == ["short:lead_only"]
    await in_group.command("ekspor")
    assert "docx" in formats(in_group)
    await in_group.press("export_format", format="docx")
    assert in_group.views() == ["short:export_where"] and not in_group.last.files
    where = in_group.last
    await in_group.press("export_to_me", where)
    (job,) = in_group.last.files
    assert (job.kind, job.chat_id, job.fallback_chat) == ("docx", 10, GROUP.id)
    await in_group.press("export_to_group", where)
    (job,) = in_group.last.files
    assert (job.chat_id, job.fallback_chat) == (None, None)
    await officer_in_group.press("export_to_group", where)  # an officer pressing the lead's choice (of the berita acara)
    assert officer_in_group.views() == ["short:export_lead_only"] and not officer_in_group.last.files
    await in_group.command("ekspor")
    await in_group.press("export_format", format="csv")
    await officer_in_group.press("export_to_group", in_group.last)  # and of a file officers may take in private chat
    assert officer_in_group.views() == ["short:lead_only"] and not officer_in_group.last.files
    stranger = Client(engine, 77, "Orang Lain", chat=GROUP)
    await stranger.press("export_to_group", where)
    assert stranger.views() == ["short:not_member"] and not stranger.last.files


async def test_charts_and_portal_texts_in_chat(engine: Engine) -> None:
    institution, _, _, officer = await team(engine)
    await officer.command("grafik")
    (job,) = officer.last.files
    assert job.kind == jobs.CHARTS
    await link_group(engine, institution)
    await Client(engine, 50, "Wati", chat=GROUP).command("grafik")  # aggregates: any member, in the linked group
    stranger = Client(engine, 77, "Orang Lain", chat=GROUP)
    await stranger.command("grafik")
    assert stranger.views() == ["short:not_member"] and not stranger.last.files
    await officer.command("portal", "12")
    reply = officer.reply()
    assert reply.view == "portal" and reply.data["answer"].explanation == "Fakta 12. Analisis 12." and reply.data["level_name"]
    await officer.command("portal", "dua belas")
    assert officer.views() == ["short:portal_usage"]
    await officer.command("portal", "48")
    assert officer.views() == ["short:indicator_missing"]


# --- the plan ----------------------------------------------------------------------------------


async def plan_items(engine: Engine, period: int) -> dict[int, tuple[Decimal, Decimal, int | None, date | None]]:
    return {i.indicator: (i.from_level, i.to_level, i.owner_id, i.due_on) for i in await engine.db.read.plans.items(period)}


async def test_a_lead_sets_a_target_and_accepts_the_fewest_raises(engine: Engine) -> None:
    _, period, lead, officer = await team(engine)
    await officer.command("rencana")
    assert officer.views() == ["plan"] and not officer.reply().buttons  # members see, leads change
    await lead.command("rencana")
    await lead.press("plan_target")
    await lead.press("plan_band", band="Baik", year=2027)
    assert lead.views() == ["plan_proposal"]
    proposal = lead.reply().data["proposal"]
    expected = propose(PACK, {n: Decimal(v) for n, v in LEVELS.items()}, Target.predicate(PACK, "Baik"))
    assert [(r.indicator, r.to_level) for r in proposal.raises] == [(r.indicator, r.to_level) for r in expected.raises]
    target = await engine.db.read.plans.target(period)
    assert target is not None and (target.predicate, target.year, target.value) == ("Baik", 2027, Decimal("2.6"))
    await officer.press_data(lead.button("plan_accept").data)
    assert officer.views() == ["short:lead_only"] and await plan_items(engine, period) == {}
    await lead.press("plan_accept")
    assert lead.views() == ["plan"] and lead.reply().data["note"] == "accepted"
    assert await plan_items(engine, period) == {r.indicator: (r.from_level, r.to_level, None, None) for r in expected.raises}
    after = lead.reply().data["plan"].after
    assert after.value >= Decimal("2.6") and after.predicate.label == "Baik"


async def test_a_proposal_accepted_after_the_answers_changed_is_shown_anew(engine: Engine) -> None:
    _, period, lead, officer = await team(engine)
    await lead.command("rencana", "target 2,70 2027")
    assert lead.views() == ["plan_proposal"]
    shown = lead.last
    await officer.press_data(f"lv:{period}:45:5")  # meanwhile an officer raises indicator 45 to the top
    assert (await engine.db.read.answers.get(period, 45)).level == 5
    await lead.press("plan_accept", shown)
    assert lead.views() == ["plan_proposal"] and lead.reply().data["changed"] and lead.last.toast == "toast_refused"
    assert await plan_items(engine, period) == {}
    await lead.press("plan_accept")  # the new proposal, as now shown
    assert lead.views() == ["plan"] and 45 not in await plan_items(engine, period)


async def test_typed_targets_are_checked(engine: Engine) -> None:
    _, period, lead, _ = await team(engine)
    for args, refusal in (("target", "short:plan_target_usage"), ("target 5,5", "short:plan_target_bad"),
                          ("target Luar Biasa", "short:plan_target_bad"), ("target Baik 2040", "short:plan_year_bad"),
                          ("apa", "short:plan_usage"), ("48", "short:indicator_missing")):
        await lead.command("rencana", args)
        assert lead.views() == [refusal], args
    assert await engine.db.read.plans.target(period) is None
    await lead.command("rencana", "target sangat baik")
    target = await engine.db.read.plans.target(period)
    assert target is not None and (target.predicate, target.year) == ("Sangat Baik", 2027)


async def test_an_item_gets_its_level_owner_and_due_date(engine: Engine) -> None:
    _, period, lead, officer = await team(engine)
    await lead.command("rencana", "44")
    assert lead.views() == ["plan_item"] and lead.reply().data["item"] is None
    await lead.press("plan_level", level=4)
    assert await plan_items(engine, period) == {44: (Decimal(2), Decimal(4), None, None)}
    await lead.press("plan_owner")
    await lead.press("plan_person", name="Wati")
    assert (await plan_items(engine, period))[44][2] == 50
    await lead.press("plan_due")
    assert (await lead.position()).state == "plan_due"
    await lead.text("akhir juni")
    assert lead.views() == ["short:plan_due_bad"] and (await lead.position()).state == "plan_due"
    await lead.upload()
    assert lead.views() == ["short:need_text"] and (await lead.position()).state == "plan_due"
    await lead.text("30-06-2027")
    assert lead.views() == ["plan_item"] and (await plan_items(engine, period))[44] == (Decimal(2), Decimal(4), 50, date(2027, 6, 30))
    assert (await lead.position()).state == "idle"
    await lead.command("rencana", "44 1")  # not above the level it has
    assert lead.views() == ["short:plan_level_bad"]
    await officer.command("rencana", "44 5")
    assert officer.views() == ["short:lead_only"] and (await plan_items(engine, period))[44][1] == Decimal(4)
    await lead.command("rencana", "44")
    await lead.press("plan_remove")
    assert await plan_items(engine, period) == {}


async def test_the_plan_is_in_progres_and_the_reminders(engine: Engine, clock: list[datetime]) -> None:
    institution, period, lead, _ = await team(engine)
    async with engine.db.transaction() as tx:
        await tx.plans.set_target(period_id=period, kind="predicate", value=Decimal("2.6"), predicate="Baik", year=2027, by=10)
        await tx.plans.set_item(period_id=period, indicator=44, from_level=Decimal(2), to_level=Decimal(3), by=10)
        await tx.plans.set_owner(period, 44, 50, by=10)
        await tx.plans.set_due(period, 44, date(2026, 11, 30), by=10)  # the day before the clock: overdue
        await tx.plans.set_item(period_id=period, indicator=3, from_level=Decimal(3), to_level=Decimal(3) + 1, by=10)
    await lead.command("progres")
    facts = lead.reply().data["p"]
    assert [(e.indicator, e.overdue, e.owner) for e in facts.plan.entries] == [(3, False, None), (44, True, "Wati")]
    assert facts.plan_overdue == {50: [44]}
    await link_group(engine, institution)
    in_group = Client(engine, 10, "Sari", chat=GROUP)
    await in_group.command("pengingat", "08:00")
    due = await engine.due_reminders(datetime(2026, 12, 2, 1, 0, tzinfo=UTC))  # 08.00 WIB the next day
    nudges = [r for r in due if r.view == "short:plan_nudge"]
    assert len(nudges) == 1 and nudges[0].chat_id == 50 and nudges[0].data["indicators"] == "44"
    digest = next(r for r in due if r.view == "progress")
    assert digest.data["p"].plan.target.predicate == "Baik"
