"""Legacy Vietnamese encodings: a clear error naming the byte and the option, and cp1258 read
exactly like the same posts in UTF-8."""

import unicodedata

import pandas as pd
import pytest

from conftest import to_cp1258
from vnflag import VnflagError
from vnflag.io.decoding import codec_name, likely_encoding
from vnflag.io.tables import read_table, write_table


def _encodable(text: str) -> bool:
    try:
        to_cp1258(text)
    except UnicodeEncodeError:  # emoji and other characters Windows-1258 has not
        return False
    return True


@pytest.fixture(scope="module")
def cp1258_posts(tmp_path_factory):
    """The bundled posts Windows-1258 can hold, as a UTF-8 frame and as a cp1258 file."""
    frame = read_table("data/posts_labelled.csv")
    frame = frame[frame["text"].map(_encodable)].reset_index(drop=True)
    folder = tmp_path_factory.mktemp("cp1258")
    write_table(frame, folder / "utf8.csv")
    path = folder / "posts.csv"
    path.write_bytes(to_cp1258((folder / "utf8.csv").read_text(encoding="utf-8")))
    assert len(frame) > 200 and b"\xec" in path.read_bytes(), "the file really has separate tone marks"
    return frame, path


def test_cp1258_reads_like_the_same_posts_in_utf8(cp1258_posts):
    frame, path = cp1258_posts
    back = read_table(path, encoding="cp1258")
    expected = frame.map(lambda cell: unicodedata.normalize("NFC", cell))
    pd.testing.assert_frame_equal(back, expected, check_exact=True)
    assert all(unicodedata.is_normalized("NFC", t) for t in back["text"])


def test_cp1258_read_as_utf8_is_an_error_naming_byte_offset_line_and_option(cp1258_posts):
    _, path = cp1258_posts
    raw = path.read_bytes()
    offset = next(i for i, b in enumerate(raw) if b >= 0x80)
    line = raw[:offset].count(b"\n") + 1
    with pytest.raises(VnflagError) as caught:
        read_table(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: not valid utf-8: byte 0x{raw[offset]:02x} at offset {offset} (line {line})")
    assert "--encoding cp1258" in message and "TCVN3" in message


def test_decode_error_in_a_later_block_names_the_true_offset(tmp_path):
    raw = b"id,text\n" + b"1,ok\n" * 300_000 + b"2,N\xf4ng\n"  # past the first 1 MiB block
    path = tmp_path / "late.csv"
    path.write_bytes(b"\xef\xbb\xbf" + raw)
    offset = 3 + raw.index(b"\xf4")
    with pytest.raises(VnflagError, match=rf"byte 0xf4 at offset {offset} \(line 300002\)"):
        read_table(path)


def test_utf8_input_is_never_normalised(tmp_path):
    decomposed = unicodedata.normalize("NFD", "Tin nóng")
    path = tmp_path / "nfd.csv"
    path.write_bytes(f"id,text\n007,{decomposed}\n".encode())
    assert read_table(path)["text"].tolist() == [decomposed]
    jsonl = tmp_path / "nfd.jsonl"
    jsonl.write_bytes(('{"id": "007", "text": "%s"}\n' % decomposed).encode())
    assert read_table(jsonl)["text"].tolist() == [decomposed]


def test_encoding_applies_to_jsonl_and_unknown_names_are_an_error(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_bytes(to_cp1258('{"id": 7, "text": "Bộ Y tế"}\n'))
    assert read_table(path, encoding="windows-1258").to_dict("records") == [{"id": "7", "text": "Bộ Y tế"}]
    with pytest.raises(VnflagError, match="unknown encoding 'klingon'"):
        read_table(path, encoding="klingon")


def test_likely_encoding_and_codec_names():
    assert likely_encoding(to_cp1258("Uống nước chanh nóng diệt virus, chia sẻ ngay!")) == "cp1258"
    assert codec_name("UTF8") == "utf-8" and codec_name("Windows-1258") == "cp1258"


def test_score_file_reads_cp1258_like_utf8(cp1258_posts, text_model_dir, tmp_path):
    from vnflag.pipelines.scoring import score_file

    frame, path = cp1258_posts
    utf8 = tmp_path / "utf8.csv"
    write_table(frame.map(lambda cell: unicodedata.normalize("NFC", cell)), utf8)
    score_file(text_model_dir, utf8, tmp_path / "a.csv", n_jobs=1)
    score_file(text_model_dir, path, tmp_path / "b.csv", n_jobs=1, encoding="cp1258")
    pd.testing.assert_frame_equal(read_table(tmp_path / "a.csv"), read_table(tmp_path / "b.csv"))


def test_characters_split_across_read_blocks_decode_whole(tmp_path):
    from vnflag.io.decoding import _BLOCK

    text = "id,text\n1," + "a" * (_BLOCK - 11) + "ô ộ\n"  # "ô" straddles the first block's end
    path = tmp_path / "split.csv"
    path.write_bytes(text.encode("utf-8"))
    assert read_table(path)["text"].str.endswith("ô ộ").all()
    path.write_bytes(to_cp1258(text))
    assert read_table(path, encoding="cp1258")["text"].str.endswith("ô ộ").all()


def test_command_line_offers_and_takes_encoding(cp1258_posts, text_model_dir, tmp_path, capsys):
    from vnflag.cli import main

    _, path = cp1258_posts
    args = ["score", str(path), "--model", str(text_model_dir), "--jobs", "1", "-o", str(tmp_path / "s.csv")]
    assert main(args) == 2
    assert "--encoding cp1258" in capsys.readouterr().err
    assert main([*args, "--encoding", "cp1258"]) == 0
    assert len(read_table(tmp_path / "s.csv")) == len(read_table(path, encoding="cp1258"))
