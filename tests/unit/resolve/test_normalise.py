"""Normalisers for matching people and vehicles: they never raise on hostile text, each canonical
form is a fixed point, and the variants a source system types (spacing, case, O for 0, +44 for 0,
day-first or year-first dates) come out the same."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from peelian.resolve import normalise as n

anything = st.one_of(st.text(max_size=60), st.none(), st.integers(), st.floats())
LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


@given(anything)
def test_never_raises_and_canonical_forms_are_fixed_points(value):
    for f in (n.name, n.plate, n.postcode, n.phone, n.email, n.phonetic):
        out = f(value)
        assert out is None or isinstance(out, str)
        if out is not None and f is not n.phonetic:
            assert f(out) == out, (f.__name__, value, out)
    parsed = n.date_of_birth(value)
    if parsed is not None:
        assert n.date_of_birth(parsed.iso()) == parsed


def test_names_drop_titles_accents_and_apostrophes_but_keep_double_barrels():
    assert n.name("Mr. John O'Brien-Smith Jr") == "JOHN OBRIEN-SMITH"
    assert n.name("  zoë   smith - jones ") == "ZOE SMITH-JONES"
    assert n.name("Lord") == "LORD"  # a surname, not a title, when it is all there is
    assert n.name_parts("Ann Smith-Jones") == ["ANN", "SMITH", "JONES"]
    assert n.phonetic("Smythe") == n.phonetic("Smith")
    assert n.name("12345") is None and n.name(None) is None


def test_forenames_map_to_familiar_forms_both_ways():
    assert {"ROBERT", "ROB", "BOB", "BOBBY"} <= n.forename_variants("Bob")
    assert "BOB" in n.forename_variants("Mr Robert Smith") and "BILL" in n.forename_variants("william")
    assert "HARRY" in n.forename_variants("Henry") and "HARRY" in n.forename_variants("Harold")
    assert n.forename_variants("Zebedee") == {"ZEBEDEE"} and n.forename_variants(None) == set()


current_plates = st.tuples(
    st.text(LETTERS, min_size=2, max_size=2), st.integers(0, 99), st.text(LETTERS, min_size=3, max_size=3)
).map(lambda p: f"{p[0]}{p[1]:02d}{p[2]}")


@given(current_plates, st.data())
def test_plates_ignore_spacing_case_and_o_zero_i_one_slips(plate, data):
    assert n.plate(plate) == plate
    spaced = plate[:4] + " " * data.draw(st.integers(0, 3)) + plate[4:]
    assert n.plate(spaced.lower()) == plate
    slipped = plate[:2] + plate[2:4].replace("0", "O").replace("1", "I") + plate[4:]
    assert n.plate(slipped) == plate


def test_plates_that_fit_a_format_as_typed_are_left_alone():
    assert n.plate("A123 BCD") == "A123BCD"  # a prefix plate, not AI23BCD
    assert n.plate("ABC 123D") == "ABC123D"
    assert n.plate("ab12 cde") == "AB12CDE"
    assert n.plate("0B12 CDE") == "OB12CDE" and n.plate("AB12 C0E") == "AB12COE"  # digits in letter places
    assert n.plate("X") is None


postcodes = st.tuples(
    st.sampled_from(["SW1A", "E1", "N16", "EC2V", "M1", "B33", "CR0"]), st.integers(0, 9),
    st.text("ABDEFGHJLNPQRSTUWXYZ", min_size=2, max_size=2),
).map(lambda p: f"{p[0]} {p[1]}{p[2]}")  # fmt: skip


@given(postcodes)
def test_postcodes_ignore_spacing_and_case(code):
    assert n.postcode(code) == code
    assert n.postcode(code.replace(" ", "").lower()) == code
    assert n.postcode("  " + code.replace(" ", "   ") + " ") == code


def test_postcode_inward_zero_typed_as_letter_o():
    assert n.postcode("sw1a oaa") == "SW1A 0AA"
    assert n.postcode("nonsense") is None and n.postcode("SW1A") is None


@given(st.integers(10**9, 10**10 - 1))
def test_uk_phone_numbers_in_every_common_form_agree(number):
    national = f"0{number}"
    for typed in (
        national,
        f"+44 {number}",
        f"+44 (0){number}",
        f"0044 {number}",
        f"{national[:5]} {national[5:]}",
    ):
        assert n.phone(typed) == national, typed
    assert n.phone("12345") is None


@given(st.dates(date(1900, 1, 1), date(2030, 12, 31)))
def test_dates_of_birth_day_first_or_year_first_agree(day):
    expected = n.PartialDate(day.year, day.month, day.day)
    for typed in (f"{day:%d/%m/%Y}", f"{day:%Y-%m-%d}", f"{day.day}.{day.month}.{day.year}"):
        assert n.date_of_birth(typed) == expected
    swapped = expected.swapped()
    if swapped is not None:
        assert swapped.swapped() == expected and swapped.iso() != expected.iso()


def test_partial_and_impossible_dates():
    assert n.date_of_birth("03/1985") == n.PartialDate(1985, 3)
    assert n.date_of_birth("1985") == n.PartialDate(1985)
    assert n.date_of_birth("12/03/85") == n.PartialDate(1985, 3, 12)
    assert n.date_of_birth("31/02/1985") is None and n.date_of_birth("1850") is None
    assert n.date_of_birth("29/02/2000") == n.PartialDate(2000, 2, 29)


def test_emails_lower_case_or_nothing():
    assert n.email(" Jo.Smith@Example.ORG ") == "jo.smith@example.org"
    assert n.email("not an email") is None and n.email("a@b") is None
