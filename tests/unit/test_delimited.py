import csv
import gzip
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peelian.errors import SourceFormatError
from peelian.ingest import delimited
from peelian.ingest.delimited import FIELD_LIMIT, read_chunks
from peelian.ingest.sources import SourceFile


def _read(path: Path, chunk_size: int = 1000, max_bytes: int = 1 << 30):
    return list(read_chunks(SourceFile(path), chunk_size, max_bytes))


def _write(tmp_path: Path, data: bytes, name: str = "f.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_rows_keep_original_text_and_line_numbers(tmp_path):
    path = _write(tmp_path, b'\xef\xbb\xbfa,b\r\n1,"x, y"\r\n2,"multi\r\nline"\r\n\r\n3,z\r\n')
    [chunk] = _read(path)
    assert chunk.header == ["a", "b"]  # BOM stripped
    assert chunk.rows == [["1", "x, y"], ["2", "multi\r\nline"], ["3", "z"]]
    assert chunk.lines == [2, 3, 6]  # the multi-line record starts on line 3; the blank line is skipped
    assert chunk.raws[0] == '1,"x, y"'
    assert chunk.raws[1] == '2,"multi\r\nline"'
    assert chunk.quarantined == []


def test_wrong_column_count_is_quarantined_with_the_row(tmp_path):
    path = _write(tmp_path, b"a,b,c\n1,2,3\n4,5\n6,7,8,9\n")
    [chunk] = _read(path)
    assert chunk.rows == [["1", "2", "3"]]
    reasons = [(q.line_number, q.reason_code, q.raw) for q in chunk.quarantined]
    assert reasons == [(3, "column_count", "4,5"), (4, "column_count", "6,7,8,9")]
    assert "expected 3, found 2" in chunk.quarantined[0].reason


def test_bad_encoding_is_quarantined_and_bytes_stay_visible(tmp_path):
    path = _write(tmp_path, b"a,b\n1,caf\xe9\n2,ok\n")
    [chunk] = _read(path)
    assert chunk.rows == [["2", "ok"]]
    [bad] = chunk.quarantined
    assert bad.reason_code == "bad_encoding"
    assert bad.raw == "1,caf\\xe9"


def test_broken_quoting_and_huge_fields_are_quarantined(tmp_path):
    huge = b"x" * (FIELD_LIMIT + 10)
    path = _write(tmp_path, b'a,b\n1,"ab"cd\n2,"' + huge + b'"\n3,ok\n')
    [chunk] = _read(path)
    assert chunk.rows == [["3", "ok"]]
    assert {q.reason_code for q in chunk.quarantined} == {"malformed_csv"}
    assert chunk.rows_read == 3


def test_chunks_and_gzip(tmp_path):
    body = "a,b\n" + "".join(f"{i},v{i}\n" for i in range(25))
    path = tmp_path / "f.csv.gz"
    path.write_bytes(gzip.compress(body.encode()))
    chunks = _read(path, chunk_size=10)
    assert [len(c.rows) for c in chunks] == [10, 10, 5]
    assert chunks[2].lines[-1] == 26


def test_empty_file_and_size_limit(tmp_path):
    with pytest.raises(SourceFormatError, match="empty"):
        _read(_write(tmp_path, b""))
    assert _read(_write(tmp_path, b"a,b\n", "header.csv")) == []
    with pytest.raises(SourceFormatError, match="limit"):
        _read(_write(tmp_path, b"a,b\n" + b"1,2\n" * 1000, "big.csv"), max_bytes=100)


cell = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20)


@pytest.fixture(params=[1 << 20, 7], ids=["one-block", "tiny-blocks"])
def block_chars(request, monkeypatch):
    """Tiny blocks force records, quoted line breaks included, across block boundaries."""
    monkeypatch.setattr(delimited, "BLOCK_CHARS", request.param)
    return request.param


def test_records_spanning_blocks_keep_their_text_and_lines(tmp_path, block_chars):
    body = 'a,b\n1,"one\ntwo\nthree"\n\n2,ok\n3,"never closed\n'
    [chunk] = _read(_write(tmp_path, body.encode()))
    assert chunk.rows == [["1", "one\ntwo\nthree"], ["2", "ok"]]
    assert chunk.lines == [2, 6]
    assert chunk.raws[0] == '1,"one\ntwo\nthree"'
    [bad] = chunk.quarantined
    assert (bad.line_number, bad.reason_code, bad.raw) == (7, "malformed_csv", '3,"never closed')


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(cell, min_size=3, max_size=3), min_size=1, max_size=20))
def test_round_trip_of_any_csv(tmp_path, block_chars, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # CRLF terminator: fields holding \r or \n get quoted
    writer.writerow(["a", "b", "c"])
    writer.writerows(rows)
    path = _write(tmp_path, buffer.getvalue().encode(), "prop.csv")
    chunks = _read(path)
    got = [r for c in chunks for r in c.rows]
    assert got == rows
    for chunk in chunks:
        for raw, row in zip(chunk.raws, chunk.rows, strict=True):
            assert next(csv.reader([raw + "\n"])) == row
