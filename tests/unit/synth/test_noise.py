"""The error makers: each gives a plausible wrong value, or the value itself, never nonsense."""

from datetime import date

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from peelian.synth import noise, vocab

dobs = st.dates(min_value=date(1930, 1, 1), max_value=noise.LATEST_DOB)
seeds = st.integers(0, 2**32 - 1)
POSTCODE = st.from_regex(r"\A[A-Z]{2}[0-9]{1,2} [0-9][ABDEFGHJLNPQRSTUWXYZ]{2}\Z")
PLATE = st.from_regex(r"\A[A-HJ-PR-Y]{2}[0-9]{2} [A-HJ-PR-Y]{3}\Z")


@given(dobs, seeds)
def test_slipped_dates_are_real_dates_one_digit_away(dob, seed):
    slipped = noise.slip_digit(dob, np.random.default_rng(seed))
    assert slipped <= noise.LATEST_DOB
    before, after = dob.strftime("%d%m%Y"), slipped.strftime("%d%m%Y")
    assert sum(a != b for a, b in zip(before, after, strict=True)) <= 1


@given(dobs, seeds)
def test_day_month_swaps_only_where_the_swap_is_a_real_date(dob, seed):
    swapped = noise.swap_day_month(dob, np.random.default_rng(seed))
    if dob.day <= 12 and dob.day != dob.month:
        assert (swapped.day, swapped.month, swapped.year) == (dob.month, dob.day, dob.year)
    else:
        assert swapped == dob


@given(PLATE, seeds)
def test_a_misread_plate_differs_in_one_character(plate, seed):
    read = noise.misread_plate(plate, np.random.default_rng(seed))
    assert len(read) == len(plate)
    assert sum(a != b for a, b in zip(read, plate, strict=True)) <= 1
    for a, b in zip(read, plate, strict=True):
        assert a == b or a in noise.OCR_CONFUSION[b]


@given(POSTCODE, seeds)
def test_postcode_typos_keep_the_outward_code(postcode, seed):
    typed = noise.postcode_typo(postcode, np.random.default_rng(seed))
    assert typed.replace(" ", "")[:-3] == postcode.split(" ")[0]
    assert len(typed.replace(" ", "")) == len(postcode.replace(" ", ""))


@given(st.sampled_from(vocab.SURNAMES), seeds)
def test_a_typo_changes_a_name_by_one_keystroke(name, seed):
    typed = noise.typo(name, np.random.default_rng(seed))
    assert abs(len(typed) - len(name)) <= 1
    assert typed.isupper() or typed == name


def test_nicknames_and_spellings_come_from_the_lists():
    rng = np.random.default_rng(0)
    assert noise.nickname("ROBERT", rng) in {"ROB", "ROBBIE", "BOB", "BOBBY"}
    assert noise.nickname("ZEBEDEE", rng) == "ZEBEDEE"
    assert noise.phonetic("STEPHEN", rng) == "STEVEN"
    assert noise.phonetic("MOHAMMED", rng) in vocab.PHONETIC["MOHAMMED"]
    assert noise.half_barrel("SMITH-JONES", rng) in {"SMITH", "JONES", "SMITH JONES"}


def test_corrupt_touches_about_its_rate_and_never_blanks():
    values = np.array(["SMITH"] * 5_000 + [""] * 5_000, dtype=object)
    out = noise.corrupt(values, 0.2, lambda v, _rng: v.lower(), np.random.default_rng(1))
    changed = out[:5_000] != values[:5_000]
    assert 0.17 < changed.mean() < 0.23
    assert (out[5_000:] == "").all()
    assert (values == np.array(["SMITH"] * 5_000 + [""] * 5_000, dtype=object)).all()  # input kept
