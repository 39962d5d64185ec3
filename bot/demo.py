"""``spbe-bot demo``: a demo institution with a complete, realistic sample evaluation in each pack,
so every deliverable can be seen without a Telegram token.

Everything goes through the repositories, as the bot would write it: a team (koordinator,
penanggung jawab, officers), one period per pack (spbe-2018 for 2020, spbe-2020 for 2025,
pemdi-2026 for 2026), every indicator answered with a penjelasan in the portal's fakta + analisis
form, evidence files (one of them supporting several indicators), assignments, the answers of the
policy indicators locked, and an improvement plan: the next predicate as the target for the next
year, the proposal accepted, each item with an owner and a due date.

The demo members have user ids above Telegram's range (2^52), so no real user can ever be one of
them; the sample texts are made up and say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from knowledge.models import Indicator, Pack
from knowledge.packs import PackRegistry
from knowledge.planning import Target, propose
from knowledge.scoring import evaluate
from storage.models import InstitutionKind, Role
from storage.repositories import Session, Storage

DEMO_NAME = "Pemerintah Kabupaten Contoh Makmur (demo)"
DEMO_REGION = "Jawa Tengah"
FIRST_ID = 2**53 + 1  # above every Telegram user id
TEAM = (
    ("Dr. Ratna Widyaningsih, M.Si.", Role.KOORDINATOR),
    ("Agus Prasetyo, S.Kom.", Role.PENANGGUNG_JAWAB),
    ("Siti Nurhaliza", Role.OFFICER),
    ("Bambang Sutejo", Role.OFFICER),
    ("Dewi Lestari", Role.OFFICER),
    ("Yohanes Manurung", Role.OFFICER),
)
# One period per pack; the levels are a plausible mid-table institution (Baik in the 2020 pack).
YEARS = {"spbe-2018": 2020, "spbe-2020": 2025, "pemdi-2026": 2026}
LEVELS = {
    "spbe-2020": "4 3 3 3 3 3 3 4 2 4  3 3 2 2  3 3 3 2  3 2  2 2 3 2 2 1 1 2  1 1 2  3 3 4 3 4 3 3 2 3 3  3 3 4 3 2 2",
    "spbe-2018": "3 3 4 2 3 2 3 4 3 2 3 2 3 3 4 2 2  3 2 3 2 2 2 3  3 3 2 3 3 2 3 3 4 2 3",
    "pemdi-2026": "2.5 3 2 2.26 1 1 1 2 3 2.5 2 3 2 2.5 3 2 2 1 3.1 2.6",
}
LOCKED = range(1, 11)  # the policy indicators are final
ANALYSIS = {
    0: "Belum ada dokumen maupun kegiatan yang dapat ditunjukkan, sehingga indikator ini dinilai pada level terendah.",
    1: "Dokumen yang ada baru berupa rancangan atau kegiatan yang belum terencana, sehingga syarat level berikutnya belum terpenuhi.",
    2: "Dokumen sudah ditetapkan dan dijalankan, tetapi baru mencakup sebagian unit kerja dan muatan yang diminta kriteria.",
    3: "Cakupan sudah lengkap dan berlaku untuk seluruh perangkat daerah sesuai pedoman, namun keterpaduan dan reviu berkala "
       "belum dapat dibuktikan.",
    4: "Pelaksanaan sudah terpadu lintas unit dan direviu dalam dua tahun terakhir; laporan reviu memuat isu dan rekomendasi perbaikan.",
    5: "Rekomendasi reviu sudah ditindaklanjuti dengan penyempurnaan dokumen dan layanan, dan dampak perubahan dikelola.",
}


@dataclass(frozen=True)
class DemoAnswer:
    indicator: int
    level: Decimal
    explanation: str
    by: int  # index in TEAM


def _file_name(indicator: Indicator) -> str:
    words = "".join(c if c.isalnum() else "-" for c in indicator.short_name.lower()).strip("-")
    return f"{indicator.number}.a.{'-'.join(w for w in words.split('-') if w)}.pdf"


def explanation(pack: Pack, indicator: Indicator, level: Decimal) -> str:
    """A made-up penjelasan in the portal's form: the facts (a document, its number, the file) and
    why they meet the level."""
    whole = min(int(level), pack.scale.max)
    criteria = indicator.levels.get(whole)
    evidence = criteria.evidence[0] if criteria and criteria.evidence else indicator.short_name
    number = 10 + indicator.number
    fact = (f"Fakta: {evidence.rstrip('.')} — contoh: Peraturan Bupati Contoh Makmur Nomor {number} Tahun 2024 "
            f"tentang {indicator.short_name}, pasal 3 sampai 7; berkas {_file_name(indicator)}.")
    return f"{fact} Analisis: {ANALYSIS[whole]} (data contoh untuk demo)"


def sample_answers(pack: Pack) -> list[DemoAnswer]:
    values = [Decimal(v) for v in LEVELS[pack.id].split()]
    assert len(values) == len(pack.indicators), f"{pack.id}: {len(values)} demo levels for {len(pack.indicators)} indicators"
    officers = [i for i, (_, role) in enumerate(TEAM) if role is Role.OFFICER]
    return [DemoAnswer(i.number, v, explanation(pack, i, v), officers[i.number % len(officers)])
            for i, v in zip(pack.indicators, values, strict=True)]


def _next_band(pack: Pack, levels: dict[int, Decimal]) -> str | None:
    value = evaluate(pack, levels).projected.value
    above = sorted((b for b in pack.predicates if b.min > value), key=lambda b: b.min)
    return above[0].label if above else None


async def _period(tx: Session, pack: Pack, institution_id: int, ids: list[int], today: date) -> None:
    year = YEARS[pack.id]
    period = await tx.periods.create(institution_id=institution_id, year=year, framework=pack.id, level_min=pack.scale.min,
                                     level_max=pack.scale.max, fractional=pack.scale.fractional, indicator_count=len(pack.indicators))
    await tx.periods.set_stage(period.id, "penilaian_mandiri", date(year, 3, 1), date(year, 4, 30))
    answers = sample_answers(pack)
    for answer in answers:
        await tx.answers.save(period_id=period.id, indicator=answer.indicator, level=answer.level, explanation=answer.explanation,
                              by=ids[answer.by])
        if answer.indicator % 3 != 0:
            indicator = pack.indicator(answer.indicator)
            kept = await tx.evidence.add(institution_id=institution_id, file_id=f"demo-{pack.id}-{indicator.number}",
                                         file_unique_id=f"demo-{pack.id}-{indicator.number}", kind="document",
                                         uploaded_by=ids[answer.by], file_name=_file_name(indicator),
                                         title=f"{indicator.short_name} (contoh)",
                                         size=40_000 + 1_000 * indicator.number)
            await tx.evidence.link(kept.id, period.id, indicator.number, by=ids[answer.by])
            if indicator.number % 4 == 1:  # some reviewed already: accepted, or sent back for revision
                await tx.evidence.review(kept.id, period.id, indicator.number, "accepted", None, by=ids[0])
            elif indicator.number % 7 == 0:
                await tx.evidence.review(kept.id, period.id, indicator.number, "revision",
                                         "Lampirkan halaman pengesahan beserta nomor dokumennya.", by=ids[0])
    shared = await tx.evidence.add(institution_id=institution_id, file_id=f"demo-{pack.id}-perbup", file_unique_id=f"demo-{pack.id}-perbup",
                                   kind="document", uploaded_by=ids[1], file_name="perbup-spbe-2024.pdf", size=250_000,
                                   caption="Peraturan Bupati tentang penyelenggaraan SPBE (contoh)",
                                   title="Peraturan Bupati tentang penyelenggaraan SPBE (contoh)", doc_number="12", doc_year=2024)
    for number in range(1, 4):
        await tx.evidence.link(shared.id, period.id, number, by=ids[1])
    for answer in answers:
        await tx.assignments.assign(period_id=period.id, indicators=[answer.indicator], user_id=ids[answer.by], assigned_by=ids[0])
    await tx.answers.lock(period.id, [n for n in LOCKED if pack.has_indicator(n)], by=ids[0])

    levels = {a.indicator: a.level for a in answers}
    band = _next_band(pack, levels)
    if band is None:
        return
    await tx.plans.set_target(period_id=period.id, kind="predicate", value=Target.predicate(pack, band).value, predicate=band,
                              year=year + 1, by=ids[0])
    proposal = propose(pack, levels, Target.predicate(pack, band))
    for index, item in enumerate(proposal.raises):
        await tx.plans.set_item(period_id=period.id, indicator=item.indicator, from_level=item.from_level, to_level=item.to_level,
                                by=ids[0])
        await tx.plans.set_owner(period.id, item.indicator, ids[2 + index % 4], by=ids[0])
        await tx.plans.set_due(period.id, item.indicator, today + timedelta(days=91 * (1 + index % 3)), by=ids[0])


async def create_demo(db: Storage, packs: PackRegistry, today: date) -> tuple[int, bool]:
    """The demo institution's id, and whether it was made now (False: it existed, and is kept).
    The plan's items fall due three, six and nine months after ``today``."""
    async with db.transaction() as tx:
        existing = next((i for i in await tx.institutions.list() if i.name == DEMO_NAME), None)
        if existing is not None:
            return existing.id, False
        institution = await tx.institutions.create(name=DEMO_NAME, kind=InstitutionKind.KABUPATEN, region=DEMO_REGION)
        ids = [FIRST_ID + institution.id * 100 + index for index in range(len(TEAM))]
        for user_id, (name, role) in zip(ids, TEAM, strict=True):
            await tx.members.add(institution_id=institution.id, user_id=user_id, display_name=name, role=role)
        for pack_id in YEARS:
            if pack_id in packs:
                await _period(tx, packs.get(pack_id), institution.id, ids, today)
    return institution.id, True
