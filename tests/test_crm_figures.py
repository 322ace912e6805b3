"""Figures in a CRM export as operators' exports write them.

`1.5k` (which a director may type into the check-in, read 1,500 there), `500-` (SAP and
other ERP exports write a negative with its minus after the figure) and `–100` (an en
dash or a figure dash for a minus, as word processors and typeset reports print it) were
refused as "not a number": the operator had to edit the export by hand. They are read as
the check-in reads `1.5k` and as `-500` and `(500)` already were; a form whose sign is
unclear (`-500-`, `(500)-`) is still refused with its line.
"""

from __future__ import annotations

import pytest

from bot.crm_import import CrmImportError, import_actuals, parse_value
from handlers.answers import parse_number
from tests.support import run_cli
from tests.test_crm_bad_input import weekly
from tests.test_crm_import import stored


@pytest.mark.parametrize(("written", "read"), [
    ("1.5k", 1_500), ("1.5K", 1_500), ("$1.5k", 1_500), ("USD 2.5 k", 2_500),
    ("1,500k", 1_500_000), ("2M", 2_000_000), ("3 Mio.", 3_000_000), ("1.2亿", 120_000_000),
    ("(1.5k)", -1_500), ("(1.2万)", -12_000),
    ("500-", -500), ('1,234.50-', -1_234.5), ("$500-", -500), ("1.5k-", -1_500),
    ("\u2013100", -100), ("\u2012100", -100), ("\u2014100", -100), ("\u2212100", -100),
    ("(₹400)", -400), ("₹ 40,000", 40_000),
])
def test_figures_as_exports_write_them(written, read):
    assert parse_value(written) == read


@pytest.mark.parametrize("written", ["1.5k", "2M", "3 Mio.", "2.6万", "1.2亿", "4 lakh"])
def test_a_unit_of_ten_reads_as_the_check_in_reads_it(written):
    """One figure, one reading: what a director types into the check-in and what the CRM
    export says of the same week are compared (the CRM-vs-check-in flag)."""
    assert parse_value(written) == parse_number(written, None)


@pytest.mark.parametrize("written", ["500 CR", "500CR", "1,200.00 Cr", "500 DR"])
def test_an_accounting_credit_or_debit_mark_is_not_read_as_crores(written):
    """'500 CR' in a ledger export is a credit, not 500 crores (5,000,000,000) as the
    check-in reads a director's '2 cr': refused as not a number, as '500 DR' is."""
    assert parse_value(written) is None
    assert parse_value("2 crore") == 20_000_000


def test_a_comma_decimal_export_reads_them_too():
    # Excel's semicolon "CSV" where the decimal mark is a comma (SAP in Germany).
    assert parse_value("1.234,56-", decimal_comma=True) == -1_234.56
    assert parse_value("1,5k", decimal_comma=True) == 1_500
    assert parse_value("\u20131.250.000", decimal_comma=True) == -1_250_000
    assert parse_value("1.500k", decimal_comma=True) is None  # 1,500k or 1.5k there


def test_an_export_of_them_is_imported(bot, settings, clock, tmp_path, capsys):
    export = weekly(tmp_path, "sap.csv", "alice,revenue,2026-W47,1.5k",
                    "bruno,revenue,2026-W47,500-", "li,revenue,2026-W47,\u2013100",
                    'sam,revenue,2026-W47,"1,234.50-"')
    assert run_cli(settings, "import-actuals", str(export)) == (
        0, "sap.csv: imported 4 rows (teampulse-weekly format)\n"), capsys.readouterr().err
    assert [(r[0], r[2]) for r in stored(bot)] == [
        ("alice", 1_500), ("bruno", -500), ("li", -100), ("sam", -1_234.5)]


def test_a_figure_whose_sign_is_unclear_is_still_refused_with_its_line(
        bot, settings, clock, tmp_path, capsys):
    export = weekly(tmp_path, "signs.csv", "alice,revenue,2026-W47,-500-",
                    "bruno,revenue,2026-W47,(500)-", "li,revenue,2026-W47,500+",
                    "sam,revenue,2026-W47,1.5kk", "alice,revenue,2026-W48,100")
    assert run_cli(settings, "import-actuals", str(export)) == (1, "")
    assert capsys.readouterr().err == (
        "teampulse import-actuals: signs.csv: nothing imported, 4 problems:\n"
        "  - line 2: value '-500-' has a sign both before and after the figure: write a "
        "negative figure (a refund) as -5, 5- or (5)\n"
        "  - line 3: value '(500)-' is negative twice, in parentheses and with a sign: write "
        "a negative figure (a refund) as (5) or -5\n"
        "  - line 4: value '500+' is not a number\n"
        "  - line 5: value '1.5kk' is not a number\n")
    assert stored(bot) == []


def test_two_signs_in_chinese(bot, clock):
    with pytest.raises(CrmImportError) as refused, bot.unit() as ctx:
        import_actuals(ctx.session, "signs.csv",
                       b"person,metric,week,value\nalice,revenue,2026-W47,-500-\n",
                       bot.org.crm, [("alice", "Alice Martin")], clock.now())
    assert refused.value.reasons("zh-CN") == [
        (2, "value“-500-”在数字前后都有正负号：负数（如退款）请写成 -5、5- 或 (5)")]


def test_an_export_in_rupees_is_read_and_another_currency_refused(
        bot, settings, clock, tmp_path, capsys):
    """Bruno's revenue counted in INR: his CRM's '₹40,000', 'INR 12500' and 'Rs. 5000'
    were "not a number", so an Indian team's export would not load at all. They read as
    the check-in reads them; rupees for Alice's revenue in USD are refused by name, as
    '¥40,000' is, never stored as dollars."""
    from dataclasses import replace

    from tests.support import TEST_ORG

    org = tmp_path / "org.yaml"
    org.write_text(TEST_ORG.read_text(encoding="utf-8").replace(
        "      - {metric: revenue, unit: USD, weekly_target: 40000}",
        "      - {metric: revenue, unit: INR, weekly_target: 3000000}", 1), encoding="utf-8")
    inr = replace(settings, org_file=org)
    export = weekly(tmp_path, "india.csv", 'bruno,revenue,2026-W45,"₹40,000"',
                    "bruno,revenue,2026-W46,INR 12500", "bruno,revenue,2026-W47,Rs. 5000",
                    "bruno,revenue,2026-W48,1.5 lakh")
    assert run_cli(inr, "import-actuals", str(export)) == (
        0, "india.csv: imported 4 rows (teampulse-weekly format)\n"), capsys.readouterr().err
    assert [r[2] for r in stored(bot)] == [40_000, 12_500, 5_000, 150_000]
    wrong = weekly(tmp_path, "us.csv", 'alice,revenue,2026-W47,"₹40,000"')
    assert run_cli(inr, "import-actuals", str(wrong)) == (1, "")
    assert "line 2: value '₹40,000' is in ₹, but alice's revenue is counted in USD" \
        in capsys.readouterr().err
