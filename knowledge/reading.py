"""Reading a question: words, numbers in context, and what kind of answer it asks for.

Pure text work, the same for every pack; the answerer adds what only a pack knows (its vocabulary,
the numbers that are part of its names). Three mechanisms:

* **Numbers typed as words** become digits where the context shows a number is meant ("level lima",
  "indikator dua puluh satu", "dua koma delapan", "twenty-one", "two point nine"); a number word
  that belongs to a name the pack knows ("Satu Data Indonesia") stays a word.
* **A number tagger** gives every number the noun it belongs to: an indicator ("indikator 12",
  "ind 12", "no. 12", "#12", "i5"), a level ("level 3", "l3", and the second level of "level 3 dan 4",
  "dari level 3 ke 4", "level 4 vs 5"), an index value ("indeks 3,4", any decimal such as "2.7"), a
  year, a regulation ("5/2018", "nomor 8 tahun 2026"), or another noun ("golongan 4", "pasal 3",
  "3 tahun", "11" after "windows"). Only a number with nothing to belong to ("12", "29 itu apa") may
  name an indicator by itself.
* **Shape cues**: groups of words that say what is asked (a comparison, a what-if, the heaviest
  weight, a count or a list, the stages, which level a document proves) and which kind of fact
  (a date, money, a vendor, a person or a contact) the question wants.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

# --- normalising --------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case without accents."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return text.casefold()


_TOKEN = re.compile(r"\d+(?:[.,]\d+)?(?:/\d{4})?|[a-z]+\d+[a-z]*|[a-z]+|#|%")
# Words glued to a number that introduce it: "l3", "lvl4", "ind12", "i5", "no12", "#12".
_GLUED = re.compile(r"\b(level|lvl|lvel|levl|leve|lv|l|tk|indikator|indi|ind|i|no|nomor)(\d{1,3})\b")


_HYPHENATED = re.compile(r"(?<=[a-z])-(?=[a-z])")
_SPELT_HYPHEN = re.compile(r"\b(twenty|thirty|forty|fifty)-(one|two|three|four|five|six|seven|eight|nine)\b")
_REPEATED = re.compile(r"\b([a-z]+)-\1\b")  # "langkah-langkah", "aspek-aspek": the plural is the word


def words(text: str) -> list[str]:
    """Tokens of folded text: words, numbers (with their decimals and "/year"), "#" and "%".

    Hyphenated words are one word ("to-be", "e-office"), as in the pack's names."""
    text = _SPELT_HYPHEN.sub(r"\1 \2", fold(text))  # "twenty-one" stays two number words
    text = _GLUED.sub(r"\1 \2", _HYPHENATED.sub("", _REPEATED.sub(r"\1", text)))
    return _TOKEN.findall(text)


def tokenize(text: str) -> list[str]:
    """Words and whole numbers only (for names and keywords)."""
    return re.findall(r"[a-z0-9]+", _HYPHENATED.sub("", _REPEATED.sub(r"\1", fold(text))).replace("#", " "))


# --- numbers typed as words -------------------------------------------------------------------

_UNITS_ID = {"nol": 0, "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7, "delapan": 8, "sembilan": 9}
_UNITS_EN = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS_EN = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}
_WHOLE_ID = {"sepuluh": 10, "sebelas": 11, "seratus": 100}
NUMBER_WORDS = set(_UNITS_ID) | set(_UNITS_EN) | set(_TENS_EN) | set(_WHOLE_ID) | {"belas", "puluh"}
_POINT = {"koma", "point"}


def _compound(tokens: list[str], i: int) -> tuple[int, int] | None:
    """The number spelt from ``tokens[i]`` on, and how many tokens it takes."""
    t = tokens[i]
    nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
    if t in _WHOLE_ID:
        return _WHOLE_ID[t], 1
    if t in _UNITS_ID:
        unit = _UNITS_ID[t]
        if nxt == "belas" and unit:
            return 10 + unit, 2
        if nxt == "puluh" and unit:
            after = tokens[i + 2] if i + 2 < len(tokens) else ""
            if _UNITS_ID.get(after):
                return unit * 10 + _UNITS_ID[after], 3
            return unit * 10, 2
        return unit, 1
    if t in _TENS_EN:
        if nxt in _UNITS_EN and 0 < _UNITS_EN[nxt] < 10:
            return _TENS_EN[t] + _UNITS_EN[nxt], 2
        return _TENS_EN[t], 1
    if t in _UNITS_EN:
        return _UNITS_EN[t], 1
    return None


def spell_numbers(tokens: list[str], expects_number: set[str], keep: set[tuple[str, str]]) -> list[str]:
    """Turn number words into digits where a number is meant.

    A number word counts when it is part of a compound ("dua puluh satu"), next to "koma"/"point",
    after a word that expects a number (``expects_number``: "level", "indikator", "indeks", and a
    conjunction after a number) or before "level". ``keep`` holds (word, next word) pairs of the
    pack's names, such as ("satu", "data"): those stay words.
    """
    out: list[str] = []
    i = 0
    while i < len(tokens):
        found = _compound(tokens, i) if tokens[i] in NUMBER_WORDS else None
        if found is None:
            out.append(tokens[i])
            i += 1
            continue
        value, used = found
        before = out[-1] if out else ""
        after = tokens[i + used] if i + used < len(tokens) else ""
        joined = (tokens[i], tokens[i + 1] if i + 1 < len(tokens) else "")
        wanted = (
            used > 1 or after in _POINT or before in _POINT or before in expects_number
            or (before in _CONJUNCTIONS and len(out) > 1 and _is_number(out[-2])) or after in _LEVEL_NOUNS
        )
        if not wanted or joined in keep:
            out.append(tokens[i])
            i += 1
            continue
        if before in _POINT and len(out) > 1 and _is_number(out[-2]):
            out[-2:] = [f"{out[-2]},{value}"]  # "dua koma delapan" -> "2,8"
        else:
            out.append(str(value))
        i += used
    # digits typed around a spelt decimal point: "2 koma 5"
    merged: list[str] = []
    for token in out:
        if len(merged) >= 2 and merged[-1] in _POINT and _is_number(merged[-2]) and token.isdigit():
            merged[-2:] = [f"{merged[-2]},{token}"]
        else:
            merged.append(token)
    return merged


def _is_number(token: str) -> bool:
    return bool(re.fullmatch(r"\d+(?:[.,]\d+)?", token))


# --- the number tagger --------------------------------------------------------------------------

_INDICATOR_NOUNS = {
    "indikator", "indikatornya", "indicator", "indicators", "indi", "ind", "no", "nomor", "nomer", "number", "butir", "#", "i",
}
_LEVEL_NOUNS = {"level", "levels", "lvl", "lv", "lvel", "levl", "leve", "l", "tingkat", "tingkatan", "tk"}
_INDEX_NOUNS = {"indeks", "indeksnya", "index", "nilai", "nilainya", "skor", "skornya", "score", "angka", "value"}
_COUNTED_NOUNS = {"indikator", "indicators", "aspek", "aspects", "domain", "domains"}
_ASPECT_NOUNS = {"aspek", "aspect", "aspeknya", "domain", "ranah", "domainnya"}
_FILLERS = {"ke", "nomor", "no", "nomer", "of", "sebesar", "di", "is", "at", "on", "dengan", "an", "a"}
_CONJUNCTIONS = {"dan", "ke", "vs", "versus", "sampai", "hingga", "atau", "or", "and", "to", "dengan", "sama", "dibanding", "dibandingkan"}
_UNITS = {
    "tahun", "thn", "th", "bulan", "bln", "hari", "jam", "menit", "minggu", "pekan", "persen", "%", "kali", "x", "orang",
    "juta", "jt", "ribu", "rb", "miliar", "halaman", "hal", "lembar", "buah", "years", "year", "months", "month", "days",
    "day", "weeks", "hours", "times", "percent", "people", "instansi", "pegawai", "asn", "unit", "opd", "aspek", "aspects",
    "domain", "domains", "indikator", "indicators", "gb", "mb", "tb",
}
# Nouns whose numbers are never indicators, even when the pack knows the word.
_FOREIGN_NOUNS = {
    "tahun", "thn", "pasal", "ayat", "golongan", "gol", "eselon", "lantai", "kelas", "grade", "bab", "versi", "version",
    "rp", "uu", "pp", "perpres", "perda", "perbup", "pergub", "perwal", "permen", "permenpan", "permenpanrb", "pedoman",
    "keputusan", "kepmen", "sk", "se", "surat", "iso", "windows", "angkatan", "ruang", "kamar", "gedung", "jilid",
}
REGULATION_NOUNS = {
    "permen", "permenpan", "permenpanrb", "pedoman", "perpres", "pp", "uu", "keputusan", "kepmen", "peraturan", "perda", "sk", "se",
}
_ALL_OR_REST = {
    "semua", "semuanya", "seluruh", "seluruhnya", "all", "every", "everything", "setiap", "tiap", "sisanya", "sisa", "lainnya",
    "lain", "selebihnya", "rest", "others", "else",
}
_SCENARIO_FILLERS = {"indikator", "indicator", "indicators", "indikatornya", "bernilai", "dinilai", "di", "pada", "at", "on", "are",
                     "is", "be", "jadi", "menjadi", "yang", "the", "of", "sama", "nilainya", "diisi", "dengan"}
RAISE_WORDS = {
    "by", "rises", "rise", "goes", "naik", "naikkan", "dinaikkan", "menaikkan", "raise", "raised", "up", "bertambah", "tambah",
    "ditambah", "meningkat", "increase",
}


@dataclass(frozen=True)
class Number:
    """A number in the question and the noun it belongs to."""

    position: int  # index in the token list
    text: str
    value: Decimal
    role: str  # indicator, level, index, year, regulation, count, levels (a number of levels), other, named, loose, bare
    year: int | None = None  # of a regulation ("5/2018")

    @property
    def whole(self) -> bool:
        return self.value == self.value.to_integral_value() and "," not in self.text and "." not in self.text


def _number_value(text: str) -> Decimal:
    return Decimal(text.split("/")[0].replace(",", "."))


def tag_numbers(tokens: list[str], named: set[tuple[str, str]], vocabulary: set[str], plain: set[str]) -> list[Number]:
    """Every number with the noun it belongs to.

    ``named``: (word, number) pairs that are part of the pack's names ("sektor 1"); ``vocabulary``: the
    pack's words; ``plain``: words that are neither (function words, cue words), after which a number
    stands on its own.
    """
    numbers: list[Number] = []
    for i, token in enumerate(tokens):
        if not re.fullmatch(r"\d+(?:[.,]\d+)?(?:/\d{4})?", token):
            continue
        value = _number_value(token)
        decimal = "," in token or "." in token
        before = tokens[i - 1] if i else ""
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        # the noun before, skipping fillers: "indikator nomor 12", "index of 2.9", "level ke 3"
        j = i - 1
        while j >= 0 and tokens[j] in _FILLERS - {"no", "nomor", "nomer"}:
            j -= 1
        noun = tokens[j] if j >= 0 else ""
        if noun in {"no", "nomor", "nomer"} and j > 0 and tokens[j - 1] in _INDICATOR_NOUNS | _LEVEL_NOUNS:
            noun = tokens[j - 1]
        # after "semua (indikator) (bernilai)" or "sisanya": the level of a what-if
        k = i - 1
        while k >= 0 and tokens[k] in _SCENARIO_FILLERS:
            k -= 1
        scenario = k >= 0 and tokens[k] in _ALL_OR_REST
        if "/" in token:
            role, year = "regulation", int(token.split("/")[1])
            numbers.append(Number(i, token, value, role, year))
            continue
        spelt_out = after in {"tahun", "thn", "th"} and i + 2 < len(tokens) and re.fullmatch(r"\d{4}", tokens[i + 2])
        if spelt_out and before in {"nomor", "no"} | REGULATION_NOUNS:  # "nomor 8 tahun 2026"
            numbers.append(Number(i, token, value, "regulation", int(tokens[i + 2])))
            continue
        if not decimal and 1900 <= value <= 2100:
            role = "year"
        elif (before, token) in named:
            role = "named"
        elif before in RAISE_WORDS and after in _LEVEL_NOUNS:
            role = "levels"  # "naik 2 level"
        elif before in _CONJUNCTIONS and numbers and numbers[-1].position >= i - 3 and numbers[-1].role in {"level", "indicator", "index"}:
            role = numbers[-1].role  # "level 3 dan 4", "dari level 3 ke 4", "indeks 3 atau 3,5"
        elif after in _COUNTED_NOUNS and noun not in _LEVEL_NOUNS | _INDICATOR_NOUNS | _ASPECT_NOUNS:
            role = "count"  # "47 indikator"
        elif after in _UNITS - _COUNTED_NOUNS or after == "%":
            role = "other"
        elif noun in _ASPECT_NOUNS and not decimal:
            role = "aspect" if noun in {"aspek", "aspect", "aspeknya", "a"} else "domain"
        elif scenario and noun not in _INDICATOR_NOUNS - {"indikator", "indicator", "indicators"}:
            role = "level" if not decimal else "index"
        elif noun in _LEVEL_NOUNS:
            role = "level"
        elif noun in _INDICATOR_NOUNS and not (noun in {"no", "nomor"} and j > 0 and tokens[j - 1] in REGULATION_NOUNS):
            role = "index" if decimal else "indicator"
        elif noun in _INDEX_NOUNS:
            role = "index"
        elif before in REGULATION_NOUNS - {"sk", "se", "keputusan", "peraturan"}:
            numbers.append(Number(i, token, value, "regulation", None))  # "permenpan 59"
            continue
        elif before in REGULATION_NOUNS or before in _FOREIGN_NOUNS or noun in {"no", "nomor"}:
            role = "other"
        elif decimal:
            role = "index"
        elif not before or before in plain:
            role = "bare"
        elif before in vocabulary:
            role = "loose"  # after a word the pack knows ("pengguna 4"): may be a level in a what-if
        else:
            role = "other"  # belongs to a noun the pack does not know ("tunjangan 3")
        numbers.append(Number(i, token, value, role))
    return numbers


# --- shape cues ------------------------------------------------------------------------------------

CUES: dict[str, set[str]] = {
    "evidence": {
        "bukti", "dukung", "pendukung", "evidence", "evidens", "dokumen", "document", "documents", "proof", "lampiran", "berkas",
        "buktinya", "dokumennya",
    },
    "weight": {"bobot", "bobotnya", "weight", "weights", "weighs", "weigh", "persen", "persentase", "percent", "porsi"},
    "predicate": {"predikat", "predikatnya", "predicate", "predicates", "kategori", "band", "bands", "rentang", "range", "memuaskan"},
    "formula": {
        "rumus", "formula", "hitung", "menghitung", "dihitung", "ngitung", "perhitungan", "calculate", "calculated", "computed",
        "compute", "cara", "how",
    },
    "define": {
        "apa", "arti", "artinya", "pengertian", "definisi", "maksud", "maksudnya", "what", "meaning", "mean", "means", "define",
        "definition", "jelaskan", "explain", "itu", "kepanjangan", "singkatan", "stand",
    },
    "criteria": {"kriteria", "criteria", "syarat", "syaratnya", "requirement", "requirements", "ketentuan", "harus", "need", "needs"},
    "index": {"indeks", "index", "nilai", "skor", "score", "indeksnya", "nilainya"},
    "compare": {
        "beda", "bedanya", "perbedaan", "berbeda", "bandingkan", "banding", "dibanding", "dibandingkan", "membandingkan",
        "perbandingan", "vs", "versus", "compare", "comparison", "difference", "differences", "differ", "selisih", "changes",
        "berubah", "bandingin",
    },
    "whatif": {
        "kalau", "kalo", "klo", "jika", "jikalau", "bila", "apabila", "seandainya", "andaikan", "andai", "misal", "misalnya",
        "umpama", "umpamanya", "if", "suppose", "assuming",
    },
    "all": {"semua", "semuanya", "seluruh", "seluruhnya", "all", "every", "everything", "setiap", "tiap", "masing"},
    "rest": {"sisanya", "sisa", "lainnya", "lain", "selebihnya", "rest", "others", "else", "kecuali", "except"},
    "most": {
        "terbesar", "terberat", "tertinggi", "paling", "most", "heaviest", "highest", "largest", "biggest", "maksimal",
        "maksimum", "maximum", "max", "terbanyak",
    },
    "least": {
        "terkecil", "teringan", "terendah", "least", "lightest", "lowest", "smallest", "minimal", "minimum", "min", "tersedikit",
        "terkecilnya",
    },
    "possible": {"mungkin", "possible", "bisa", "dapat", "can"},
    "count": {"berapa", "brp", "jumlah", "jumlahnya", "banyak", "banyaknya", "total", "many", "much"},
    "list": {"saja", "aja", "sebutkan", "daftar", "list", "mana", "apa", "which", "what", "semua", "seluruh", "all"},
    "structure": {"struktur", "structure", "gambaran", "umum", "overview", "kerangka", "framework", "susunan"},
    "scale": {"skala", "scale", "rentang", "range"},
    "exists": {"ada", "punya", "memiliki", "there", "have", "has", "exist", "exists"},
    "stages": {
        "tahapan", "tahap", "tahapannya", "alur", "alurnya", "urutan", "langkah", "stages", "stage", "steps", "proses",
        "process", "menilai", "evaluates", "assesses", "penilai", "siklus",
    },
    "who": {"siapa", "who"},
    "prove": {
        "membuktikan", "buktikan", "dibuktikan", "prove", "proves", "proving", "masuk", "termasuk", "buat", "untuk", "bukti",
        "level", "belongs",
    },
}
# What a question asks that only some texts hold: a date, money, a vendor, a person or contact.
FACT_CUES: dict[str, set[str]] = {
    "schedule": {
        "kapan", "jadwal", "jadwalnya", "tanggal", "tgl", "deadline", "tenggat", "batas", "when", "date", "dates", "schedule",
        "dibuka", "ditutup", "dimulai", "pengumuman", "diumumkan", "due",
    },
    "money": {
        "biaya", "biayanya", "harga", "harganya", "tarif", "ongkos", "bayar", "membayar", "dibayar", "cost", "costs", "price",
        "prices", "fee", "fees", "gaji", "gajinya", "gajian", "tunjangan", "honor", "honorarium", "insentif", "tpp", "salary",
        "salaries", "pay", "wage", "rupiah", "rp",
    },
    "vendor": {
        "vendor", "vendornya", "penyedia", "konsultan", "merk", "merek", "supplier", "rekanan", "hire", "beli", "membeli", "buy",
        "terbaik", "rekomendasi", "rekomendasikan", "recommend", "recommended", "recommendation", "best", "buatan",
    },
    # a document to be written or handed out (a template, a letter): the packs describe, they do not draft
    "template": {
        "template", "templat", "buatkan", "bikinkan", "bikinin", "buatin", "tuliskan", "kirimkan", "sample", "draftkan", "isikan",
        "isiin", "isikanlah",
    },
    "contact": {"telepon", "telpon", "telp", "hp", "wa", "whatsapp", "email", "surel", "phone", "contact", "kontak", "alamat", "address"},
}
# A fact of the current moment or of one named institution: the packs never hold it.
NOW_WORDS = {"ini", "sekarang", "depan", "terbaru", "terkini", "kini", "now", "current", "currently", "next", "latest", "today", "besok"}
LOCAL_WORDS = {"kami", "kita", "saya", "kabupaten", "kab", "kota", "provinsi", "pemkab", "pemkot", "pemprov", "our", "my", "daerah"}
# Words with no meaning of their own in a question (or the pack's general nouns): never "foreign".
FUNCTION_WORDS = {
    "yang", "dan", "di", "ke", "dari", "untuk", "pada", "dengan", "atau", "itu", "ini", "adalah", "apa", "apakah", "bagaimana",
    "gimana", "gmn", "berapa", "brp", "dong", "sih", "ya", "kah", "nya", "tolong", "mohon", "saya", "kami", "kita", "bisa",
    "jadi", "buat", "tentang", "soal", "mana", "the", "a", "an", "of", "for", "in", "on", "to", "is", "are", "does", "do", "what",
    "which", "how", "about", "me", "tell", "please", "and", "or", "at", "by", "with", "yg", "dlm", "dalam", "utk", "tuk", "sm",
    "sama", "kalau", "kalo", "klo", "mau", "ingin", "perlu", "bagi", "agar", "supaya", "naik", "raise", "reach", "capai", "tiap",
    "setiap", "masing", "semua", "seluruh", "each", "every", "all", "per", "aja", "saja", "ada", "nggak", "ngga", "gak", "ga",
    "tidak", "enggak", "tak", "kan", "lah", "pun", "deh", "nih", "tuh", "kok", "kak", "pak", "bu", "bang", "min", "mas", "mbak",
    "gan", "halo", "hai", "hi", "hello", "terima", "kasih", "makasih", "thanks", "thank", "you", "i", "we", "our", "my", "it",
    "this", "that", "there", "be", "should", "can", "could", "would", "will", "get", "gets", "got", "need", "needs", "did", "has",
    "have", "had", "if", "then", "than", "when", "who", "whom", "where", "why", "juga", "lagi", "masih", "sudah", "udah", "belum",
    "akan", "harus", "boleh", "oleh", "karena", "sebab", "kenapa", "mengapa", "seperti", "kayak", "gitu", "begitu", "berikutnya",
    "selanjutnya", "tujuan", "tujuannya", "fungsi", "fungsinya", "manfaat", "manfaatnya", "peran", "perannya", "tugas",
    "tugasnya", "isi", "isinya", "masingmasing", "kirakira", "berat", "kecil", "besar", "rendah", "tinggi", "ringan", "sedikit",
    "ditambah", "bertambah", "menetapkan", "ditetapkan", "membedakan", "melibatkan", "menampilkan", "dibentuk", "membentuk",
    "misalkan", "sebagian", "needed", "required", "s", "dimana", "kapan", "sampai", "membuat", "dibuat", "menyusun", "disusun",
    "mencapai", "meningkatkan", "memenuhi", "dipenuhi", "mendapat", "mendapatkan", "dapat", "bagaimanakah", "tentukan", "pakai",
    "pilih", "memilih", "dipilih", "choose", "pick", "make", "setelah", "sesudah", "sebelum", "lalu", "kemudian", "awal", "akhir",
    "hingga", "antara", "between", "from", "into", "vs", "versus", "manakah", "coba", "tanya", "nanya", "ask", "question",
    "jawab", "answer", "penting", "important", "contoh", "contohnya", "example", "misalnya", "instansi", "kantor", "dinas", "opd",
    "pemda", "agency", "office", "lebih", "more", "less", "kurang", "baru", "new", "lama", "old", "long", "benar", "betul",
    "true", "sebenarnya", "sebetulnya", "bukan", "not", "no", "yes", "iya", "oke", "ok", "sip", "mengisi", "diisi", "fill",
    "menjadi", "become", "berarti", "artinya", "means", "mean", "dimaksud", "hal", "cuma", "hanya", "only", "just", "tapi",
    "tetapi", "namun", "but", "however", "mungkin", "maybe", "kira", "kira-kira", "sekitar", "dll", "dsb", "etc", "bagus", "good",
    "jelek", "bad", "punya", "memiliki", "termasuk", "masuk", "bernilai", "dinilai", "ditentukan", "menentukan", "determine",
    "determined", "given", "berikan", "memberi", "diberi", "dipakai", "memakai", "use", "used", "using", "like", "look", "looks",
    "sebutkan", "mention", "sebut", "disebut", "called",
}
STAGE_WORDS = CUES["stages"]


_MONEY = re.compile(r"\bberapa (?:anggaran|dana|duit|uang)\b|\bhow much (?:money|does it cost)\b")
_DEADLINE = re.compile(r"\bbatas (?:akhir|waktu|pengisian|penyampaian|pengumpulan)\b")
_NOW = re.compile(
    r"\b(?:tahun|bulan|minggu|pekan) (?:ini|depan|lalu|kemarin)\b|\b(?:this|next|last) (?:year|month|week)\b|\bsekarang\b"
    r"|\bsaat ini\b|\bterbaru\b|\bterkini\b|\bcurrent(?:ly)?\b|\bnow\b|\bkemarin\b|\bbesok\b|\bhari ini\b|\byesterday\b"
    r"|\btoday\b|\btomorrow\b"
)
# How many of something the packs do not count: agencies, staff, people.
_STATISTICS = re.compile(r"\b(?:berapa|brp|jumlah|how many)\b.*\b(?:instansi|pegawai|asn|peserta|orang|pemda|kabupaten|kota|provinsi"
                         r"|lembaga|asesor|agencies|people|staff|employees)\b")
_LOCAL = re.compile(
    r"\b(?:kabupaten|kab|kota|provinsi|pemkab|pemkot|pemprov|instansi|dinas|daerah) (?:kami|kita|saya|[a-z]{3,})\b"
    r"|\bour (?:agency|office|regency|city|province)\b"
)


@dataclass
class Shape:
    """Which cue groups a question hits, and which fact kinds it asks for."""

    cues: set[str] = field(default_factory=set)
    facts: set[str] = field(default_factory=set)
    now: bool = False
    local: bool = False


def shape_of(tokens: list[str]) -> Shape:
    shape = Shape()
    present = set(tokens)
    for cue, group in CUES.items():
        if present & group:
            shape.cues.add(cue)
    if "bukti" in present and "dukung" in present:
        shape.cues.add("evidence")
    for fact, group in FACT_CUES.items():
        if present & group:
            shape.facts.add(fact)
    text = " ".join(tokens)
    if _MONEY.search(text):
        shape.facts.add("money")
    deadline = bool(_DEADLINE.search(text))
    if deadline or re.search(r"\bdibuka\b|\bditutup\b", text):
        shape.facts.add("schedule")
    if "batas" in present and "schedule" in shape.facts and not deadline and not present & (FACT_CUES["schedule"] - {"batas"}):
        shape.facts.discard("schedule")  # "batas predikat" is a boundary, not a deadline
    shape.now = bool(_NOW.search(text))
    shape.local = bool(_LOCAL.search(text)) or bool(present & {"siapa", "who"} and present & {"kami", "kita", "saya", "our", "my", "we"})
    if _STATISTICS.search(text):
        shape.facts.add("statistics")
    return shape
