"""CSV cells that a spreadsheet opens as text, never as a formula (CSV injection)."""

from __future__ import annotations

# OWASP, "CSV Injection": a cell beginning with one of these is run as a formula by Excel,
# LibreOffice Calc or Google Sheets (=HYPERLINK(...), +cmd|..., -2+3, @SUM(...)); tab and carriage
# return are there because spreadsheets skip them before looking at the first character.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A value for a CSV cell, neutralised by the OWASP rule for CSV injection.

    Text beginning with '=', '+', '-', '@', a tab or a carriage return gets a leading "'", so
    that spreadsheets take the cell as text; the quote stays visible in the cell, and in whatever
    imports the file (an SCRM's import of "@所有人 ..." gets "'@所有人 ..."). Numbers are written as
    they are: -5 as a number is no formula. The rest of the OWASP rule, quoting cells that hold
    separators or quotes, is the csv module's writer's. None is the empty cell.
    """
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
