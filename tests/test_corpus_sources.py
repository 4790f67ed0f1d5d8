"""The corpus readers of the Debian sources (World English Bible, GCIDE), on tiny fake files built here."""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import pytest

from cloze_app.training import corpus

# ---------------------------------------------------------------- SWORD zText


def _write_ztext(folder: Path, testament: str, blocks: list[list[str]]) -> None:
    """A zText testament: each block is zlib-compressed, each of its entries indexed in .bzv."""
    bzs, bzv, bzz = bytearray(), bytearray(), bytearray()
    bzv += struct.pack("<IIH", 0, 0, 0)  # entry 0: empty, as in real modules
    for number, entries in enumerate(blocks):
        raw = b""
        for entry in entries:
            data = entry.encode("utf-8")
            bzv += struct.pack("<IIH", number, len(raw), len(data))
            raw += data
        packed = zlib.compress(raw)
        bzs += struct.pack("<III", len(bzz), len(packed), len(raw))
        bzz += packed
    for ext, content in (("bzs", bzs), ("bzv", bzv), ("bzz", bzz)):
        (folder / f"{testament}.{ext}").write_bytes(bytes(content))


# The module's last entry: the last verse, then (in real modules too) the glossary's start.
LAST_VERSE_AND_GLOSSARY = (
    'The grace of the Lord be with all. Amen. <chapter eID="Rev.22"/> '
    '<div sID="g9" type="glossary"/> <title type="main">Glossary</title> '
    '<div sID="g10" type="x-p"/>Some words are not very common.<div eID="g10" type="x-p"/> '
    '<list> <item type="x-indent-1"><seg type="keyword">Abba</seg> Abba is a Chaldee word for father.'
    "</item> </list>"
)


def _fake_sword(root: Path) -> None:
    (root / "mods.d").mkdir(parents=True)
    (root / "mods.d" / "other.conf").write_text("[Other]\nDataPath=./modules/texts/ztext/other/\n")
    (root / "mods.d" / "testweb.conf").write_text(
        "## a test module\n[TestWEB]\nDataPath=./modules/texts/ztext/testweb/\nModDrv=zText\n"
        "SourceType=OSIS\nEncoding=UTF-8\nCompressType=ZIP\nBlockType=BOOK\n"
    )
    folder = root / "modules" / "texts" / "ztext" / "testweb"
    folder.mkdir(parents=True)
    genesis = [
        '<milestone type="x-importer" subType="x-osis2mod" n="$Rev: 1 $"/>',
        '<div canonical="true" osisID="Gen" sID="b1" type="book"/> <title type="main">Genesis</title> '
        '<div sID="p0" type="x-p"/>',
        '<chapter n="1" osisID="Gen.1" sID="Gen.1"/>',
        '<w lemma="strong:H7225">In</w> <w lemma="strong:H0853">the</w> beginning, <w>God</w><note '
        'placement="foot"><reference type="annotateRef">1:1 </reference>The Hebrew word rendered “God” is '
        "“Elohim”.</note><w>created</w> the heavens and the earth. ",
        '<div type="x-milestone" subType="x-preverse" sID="pv1"/><div sID="p1" type="x-p"/>God said, '
        '“Let there be light,”<note type="crossReference">Ps 33:9</note> and there was light. '
        "“Don’t be afraid.” He saw the light, and saw that it was good.",
        '<div eID="p1" type="x-p"/><chapter eID="Gen.1"/><chapter n="2" osisID="Gen.2" sID="Gen.2"/>',
    ]
    psalms = [
        '<title canonical="true" type="psalm">A Psalm by David.</title> <lg sID="g1"/><l level="1" '
        'sID="l1"/>Yahweh, how my adversaries have increased!<l eID="l1" level="1"/><l level="2" sID="l2"/>'
        'Many are those who rise up against me.<l eID="l2" level="2"/>',
        '<title canonical="true" type="psalm">TETH</title><l sID="l3"/><speaker>Beloved</speaker>'
        'You have treated your servant well, &amp; kindly.<l eID="l3"/><d',
    ]
    _write_ztext(folder, "ot", [genesis, psalms])
    _write_ztext(
        folder,
        "nt",
        [
            [
                '<chapter n="1" osisID="Matt.1" sID="Matt.1"/>',
                "Jesus said, <q>“Come and see.”</q> They came and saw where he stayed.",
                LAST_VERSE_AND_GLOSSARY,
            ]
        ],
    )


def test_read_web_bible_decodes_a_ztext_module(tmp_path: Path) -> None:
    _fake_sword(tmp_path)
    paras = list(corpus.read_web_bible(tmp_path / "unused", root=tmp_path, module="TestWEB"))
    assert paras == [
        'In the beginning, God created the heavens and the earth. God said, "Let there be light," and '
        'there was light. "Don\'t be afraid." He saw the light, and saw that it was good.',
        "A Psalm by David. Yahweh, how my adversaries have increased! Many are those who rise up against "
        "me. You have treated your servant well, & kindly.",
        'Jesus said, "Come and see." They came and saw where he stayed. The grace of the Lord be with all. '
        "Amen.",
        "Some words are not very common. Abba is a Chaldee word for father.",
    ]


def test_chunks_can_keep_closing_quotes_with_their_sentence() -> None:
    text = 'He said, "Go now." (She went.) They ran. Then it rained.'
    pieces = list(corpus._chunks(text, 4, keep_closers=True))
    assert pieces == ['He said, "Go now."', "(She went.) They ran.", "Then it rained."]


def test_read_web_bible_reports_a_missing_module(tmp_path: Path) -> None:
    (tmp_path / "mods.d").mkdir()
    with pytest.raises(FileNotFoundError, match="sword-text-web"):
        list(corpus.read_web_bible(tmp_path, root=tmp_path))


# ---------------------------------------------------------------- GCIDE (dictd)


def _b64(n: int) -> str:
    digits = ""
    while True:
        digits = corpus._B64[n % 64] + digits
        n //= 64
        if n == 0:
            return digits


GCIDE_ARTICLES = [
    ("00-database-info", "This file was converted from the GCIDE; as, nothing here is an example.\n"),
    (
        "Abandon",
        'Abandon \\A*ban"don\\, v. t. [OF. abandoner.]\n'
        "   1. To give up; to forsake entirely; as, to abandon the cause\n"
        "      of liberty; to abandon one's friends, places, etc.\n"
        "      [1913 Webster]\n\n"
        "            Hope was overthrown, yet could not be abandoned.\n"
        "                                                  --I. Taylor.\n"
        "      [1913 Webster]\n",
    ),
    (
        "Wheel",
        "Wheel \\Wheel\\, v. i.\n   To turn; as, the {troops} wheeled to the right. [Colloq.]\n"
        "   2. Likely; as, a likely story.\n"
        "   3. To feed in a stall; as, to stall-\n   feed an ox in winter. --Mortimer.\n"
        "   4. Noted; as, the death of Mr. Smith was sudden.\n"
        '   5. Lordless; as, the "ronin" of Japan were lordless samurai; as, the bump of "veneration.\n',
    ),
    (
        "Would",
        "Would \\Would\\\n   Note: as, would that he were here, as, would to Heaven that it were so; "
        "as, H2SO4 = sulphuric acid in water; as, TO ABANDON THE CAUSE OF LIBERTY.\n",
    ),
]


def _fake_gcide(folder: Path) -> None:
    body = b""
    index = []
    for head, text in GCIDE_ARTICLES:
        data = text.encode("utf-8")
        index.append(f"{head.lower()}\t{_b64(len(body))}\t{_b64(len(data))}")
        if head == "Wheel":  # an article under two headwords is read once
            index.append(f"roll\t{_b64(len(body))}\t{_b64(len(data))}")
        body += data
    (folder / "gcide.index").write_text("\n".join(sorted(index)) + "\n")
    with gzip.open(folder / "gcide.dict.dz", "wb") as fh:
        fh.write(body)


def test_dictd_numbers_are_base64() -> None:
    assert corpus._dictd_number("A") == 0
    assert corpus._dictd_number("Ba") == 64 + 26
    assert all(corpus._dictd_number(_b64(n)) == n for n in (0, 63, 64, 4095, 123456789))


def test_read_gcide_examples_keeps_only_usage_examples(tmp_path: Path) -> None:
    _fake_gcide(tmp_path)
    examples = list(corpus.read_gcide_examples(tmp_path / "unused", folder=tmp_path))
    assert examples == [
        "to abandon the cause of liberty",
        "to abandon one's friends, places",
        "the troops wheeled to the right",
        "to stall-feed an ox in winter",
        "the death of Mr. Smith was sudden",
        'the "ronin" of Japan were lordless samurai',
        "would that he were here",
        "would to Heaven that it were so",
    ]


def test_new_sources_are_registered_with_licenses() -> None:
    table = {s["name"]: s for s in corpus.source_table()}
    assert "Public domain" in table["web_bible"]["license"]
    assert "GPL-2.0-or-later" in table["gcide"]["license"]
    assert [s.name for s in corpus.SOURCES][-2:] == ["web_bible", "gcide"]  # last: older sources keep theirs
