from click.testing import CliRunner

from tests.workbooks import VALID_TEXTS, fill_to
from xltools.cli import main


def test_valid_fill_passes(tmp_path):
    wb = fill_to(tmp_path / "ok.xlsx", VALID_TEXTS)
    result = CliRunner().invoke(main, ["check", str(wb)])
    assert result.exit_code == 0, result.output
    assert "：通过" in result.output and "未通过" not in result.output
