import pytest

from tradecli.numfmt import format_amount, format_percent, round_significant


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (127_412_345, "$127M"),  # OEC_API.md examples
        (15_130_000, "$15.1M"),
        (1_234, "$1.23k"),
        (-127_000_000, "-$127M"),
        (17_000_000, "$17M"),  # trailing zeros dropped, not "$17.0M"
        (111_039_062.5, "$111M"),
        (1_225, "$1.23k"),  # half-up, where half-even would give 1.22k
        (1_235, "$1.24k"),
        (0.125, "$0.125"),
        (0.1255, "$0.126"),  # repr(0.1255) is exactly '0.1255': half-up applies
        (999_950, "$1M"),  # rounds up across a suffix boundary
        (999_949, "$1M"),
        (999_499, "$999k"),
        (999.5, "$1k"),
        (950, "$950"),
        (0, "$0"),
        (-0.0001, "-$0.0001"),
        (1_500_000_000_000, "$1.5T"),
        (2_500_000_000_000_000, "$2500T"),  # nothing beyond T
        (1_000_000_000, "$1B"),
        (1_936_055_000, "$1.94B"),
        (-1_729_820_400, "-$1.73B"),
        (None, "n/a"),
    ],
)
def test_format_amount(value: float | None, expected: str) -> None:
    assert format_amount(value) == expected


@pytest.mark.parametrize(
    ("value", "signed", "expected"),
    [
        (28.04, False, "28%"),
        (28.34, False, "28.3%"),
        (28.0, True, "+28%"),
        (-11.0, True, "-11%"),
        (-11.0, False, "-11%"),
        (64.565825, True, "+64.6%"),
        (-4.725728, True, "-4.73%"),
        (99.95, False, "100%"),
        (0.0, True, "0%"),
        (0.0005, True, "+0.0005%"),
        (1234.5, True, "+1,230%"),  # grouped like amounts (issue 21)
        (4310000.0, True, "+4,310,000%"),
        (-12345.6, True, "-12,300%"),
        (None, True, "n/a"),
    ],
)
def test_format_percent(value: float | None, signed: bool, expected: str) -> None:
    assert format_percent(value, signed=signed) == expected


def test_round_significant_is_half_up_not_banker() -> None:
    assert str(round_significant(2.675, 3)) == "2.68"  # float 2.675 is 2.67499..; repr is 2.675
    assert str(round_significant(1005, 3)) == "1.01E+3"
    assert round(1005, -1) == 1000  # Python's own rounding would say 1000 (half-even)
