"""Nothing lost, nothing misread: every file a command reads is protected from being its
output, one writer wins, special files are never replaced, odd file names and invisible characters
are handled, failing outputs and Ctrl-C get our own message, and click speaks Chinese."""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.conftest import EXAMPLES, ROOT
from xltools import api, text
from xltools.cli import main
from xltools.errors import OutputError
from xltools.files import write_atomic
from xltools.render import build
from xltools.workbook.fill import fill_bytes

SUOLUO = EXAMPLES / "suoluo-2024.json"
SUOLUO_XLSX = EXAMPLES / "suoluo-2024.xlsx"


def invoke(*args) -> object:
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="xltools")


def run(*args, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "xltools", *map(str, args)], env=env, capture_output=True, **kw)


def sha(path: Path) -> bytes:
    return path.read_bytes()


# --- 1. every file a command reads is an input --------------------------------------------------


@pytest.fixture
def copies(tmp_path) -> dict[str, Path]:
    out = {"json": tmp_path / "本年.json", "prev": tmp_path / "上年.json", "prev_xlsx": tmp_path / "上年.xlsx"}
    shutil.copy(SUOLUO, out["json"])
    shutil.copy(SUOLUO, out["prev"])
    shutil.copy(SUOLUO_XLSX, out["prev_xlsx"])
    return out


def _refused(result, path: Path, before: bytes) -> None:
    assert result.exit_code == 2, result.output
    assert "就是输入文件" in result.output, result.output
    assert path.read_bytes() == before


def test_previous_is_never_the_summary(copies):
    p = copies["prev_xlsx"]
    before = sha(p)
    _refused(invoke("check", copies["json"], "--previous", p, "--summary", p, "--force"), p, before)


def test_previous_is_never_the_build_output(copies):
    p = copies["prev"]
    before = sha(p)
    _refused(invoke("build", copies["json"], "--previous", p, "-o", p, "--force"), p, before)


def test_roster_is_never_the_merge_output(copies, tmp_path):
    roster = tmp_path / "名单.json"
    roster.write_text("索罗乡人民政府\n", encoding="utf-8")
    before = sha(roster)
    result = invoke("merge", copies["json"], "--roster", roster, "-o", roster, "--force", "--name", "汇总")
    _refused(result, roster, before)


def test_a_file_in_the_previous_dir_is_never_the_summary(copies, tmp_path):
    folder = tmp_path / "上年"
    folder.mkdir()
    inside = folder / "f.xlsx"
    shutil.copy(SUOLUO_XLSX, inside)
    before = sha(inside)
    result = invoke("check", copies["json"], "--previous-dir", folder, "--summary", inside, "--force")
    _refused(result, inside, before)


def test_a_wording_template_is_never_the_build_output(copies, tmp_path):
    words = tmp_path / "措辞"
    words.mkdir()
    preamble = words / "preamble.j2"
    preamble.write_text("{{ name }}", encoding="utf-8")
    before = sha(preamble)
    result = invoke("build", copies["json"], "--templates", words, "-o", preamble, "--force")
    _refused(result, preamble, before)


def test_a_hard_link_to_the_input_is_the_input(copies, tmp_path):
    link = tmp_path / "链接.json"
    os.link(copies["json"], link)
    before = sha(link)
    _refused(invoke("build", copies["json"], "-o", link, "--force", "--format", "json"), link, before)


# --- 2. one writer wins; only regular files are replaced --------------------------------------


def _writer(target: str, n: int, barrier, results) -> None:
    barrier.wait()
    try:
        write_atomic(target, f"writer {n}\n".encode() * 2000)
        results.put((n, "ok"))
    except OutputError as exc:
        results.put((n, exc.code))


def test_of_eight_concurrent_writers_exactly_one_wins(tmp_path):
    ctx = multiprocessing.get_context("fork")
    for attempt in range(3):
        target = tmp_path / f"报告{attempt}.txt"
        barrier, results = ctx.Barrier(8), ctx.Queue()
        procs = [ctx.Process(target=_writer, args=(str(target), n, barrier, results)) for n in range(8)]
        for p in procs:
            p.start()
        got = [results.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(60)
        winners = [n for n, state in got if state == "ok"]
        assert len(winners) == 1, got
        assert {state for _n, state in got if state != "ok"} == {"exists"}
        assert target.read_bytes() == f"writer {winners[0]}\n".encode() * 2000
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary left


def test_a_fifo_is_never_replaced(copies, tmp_path):
    fifo = tmp_path / "管道.txt"
    os.mkfifo(fifo)
    result = invoke("build", copies["json"], "-o", fifo, "--force")
    assert result.exit_code == 2 and "不是普通文件" in result.output, result.output
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    result = invoke("build", copies["json"], "-o", fifo)
    assert result.exit_code == 2 and "已存在" in result.output


def test_dev_null_is_never_replaced():
    before = os.lstat("/dev/null")
    with pytest.raises(OutputError) as err:
        write_atomic("/dev/null", b"x", force=True)
    assert "不是普通文件" in err.value.message
    after = os.lstat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


def test_a_link_to_a_folder_is_not_replaced(tmp_path):
    (tmp_path / "夹").mkdir()
    (tmp_path / "链接").symlink_to(tmp_path / "夹")
    with pytest.raises(OutputError):
        write_atomic(tmp_path / "链接", b"x", force=True)
    assert (tmp_path / "链接").is_symlink()


# --- 3. names that are not UTF-8 ----------------------------------------------------------------

GBK_NAME = "报告".encode("gbk") + b".json"  # b"\xb1\xa8\xb8\xe6.json": a Windows zip unpacked on Linux
GBK_SHOWN = "\\xb1\\xa8\\xb8\\xe6.json"


@pytest.fixture
def gbk_folder(tmp_path) -> Path:
    folder = tmp_path / "各单位"
    folder.mkdir()
    with open(os.path.join(os.fsencode(folder), GBK_NAME), "wb") as fh:
        fh.write(SUOLUO.read_bytes())
    shutil.copy(SUOLUO, folder / "正常.json")
    return folder


def test_a_gbk_name_in_a_batch_with_summary_and_json(gbk_folder, tmp_path):
    summary = tmp_path / "汇总.xlsx"
    done = run("check", gbk_folder, "--json", "--summary", summary)
    assert done.returncode == 0, done.stderr.decode()
    assert b"Traceback" not in done.stderr and "程序内部错误" not in done.stderr.decode()
    files = json.loads(done.stdout.decode("utf-8"))["files"]
    assert any(f["path"].endswith(GBK_SHOWN) for f in files), files
    with zipfile.ZipFile(summary) as zf:  # inline strings: the summary is written in constant_memory mode
        strings = zf.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert GBK_SHOWN in strings
    human = run("check", gbk_folder)
    assert human.returncode == 0 and GBK_SHOWN in human.stdout.decode("utf-8")


def test_a_gbk_name_that_is_unusable_is_named(tmp_path):
    folder = tmp_path / "夹"
    folder.mkdir()
    with open(os.path.join(os.fsencode(folder), GBK_NAME), "wb") as fh:
        fh.write(b"{not json")
    done = run("check", folder, "--json")
    assert done.returncode == 2
    assert json.loads(done.stdout)["files"][0]["path"].endswith(GBK_SHOWN)


def test_display_path_escapes_only_what_is_not_utf8():
    assert text.display_path("报告.xlsx") == "报告.xlsx"
    assert text.display_path(os.fsdecode(GBK_NAME)) == GBK_SHOWN
    assert text.display_path(GBK_NAME) == GBK_SHOWN
    carried = json.dumps(text.displayable({"files": [{"path": os.fsdecode(GBK_NAME)}]}), ensure_ascii=False)
    assert json.loads(carried)["files"][0]["path"] == GBK_SHOWN


# --- 4. invisible and invalid characters ---------------------------------------------------------

LISTED = (
    "\u00ad\u2060\u2061\u2062\u2063\u2064\u180e\u034f\u3164\u115f\u1160\uffa0\ufe0f\ufe00\U000e0100"
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202e\u2066\u2069\ufeff\U000e0001\U000e0041\x00\x07\x1b\x7f\x9f"
    "\ufffe\uffff\ufdd0\ufdef\U0001fffe\U0010ffff\ud800\udbff\udc00\udfff"
)


def test_clean_removes_every_listed_character_and_says_which():
    for ch in LISTED:
        cleaned = text.clean(f"索罗{ch}乡")
        assert cleaned.text == "索罗乡", hex(ord(ch))
        assert f"U+{ord(ch):04X}" in cleaned.note()
    assert text.clean("第一行\n\t第二行").text == "第一行\n\t第二行"
    assert not text.clean("全角　空格 和\u00a0不换行空格").changed  # blank-looking, but visible to S4


def _with_name(tmp_path: Path, name: str, file: str) -> Path:
    obj = json.loads(SUOLUO.read_text(encoding="utf-8"))
    obj["agency"]["name"] = name
    path = tmp_path / file
    path.write_text(json.dumps(obj, ensure_ascii=True), encoding="ascii")  # \ud800 survives as an escape
    return path


_inserted = st.lists(st.tuples(st.sampled_from(LISTED), st.integers(0, 20)), min_size=1, max_size=4)


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(inserted=_inserted)
def test_every_listed_character_is_cleaned_through_check_build_fill_and_merge(tmp_path_factory, inserted):
    tmp_path = tmp_path_factory.mktemp("chars")
    clean_name = json.loads(SUOLUO.read_text(encoding="utf-8"))["agency"]["name"]
    name = clean_name
    for ch, at in inserted:
        at = min(at, len(name))
        name = name[:at] + ch + name[at:]
    # A high surrogate right before a low one is no stray: in JSON the two escapes are one character
    # (\ud800\udc00 is U+10000, 𐀀), which is text and stays.
    assume(not re.search("[\ud800-\udbff][\udc00-\udfff]", name))
    dirty = _with_name(tmp_path, name, "dirty.json")
    result = api.load_for_build(str(dirty))
    assert result.ok and result.report.name == clean_name
    warning = next(f for f in result.warnings if f.field == "agency.name")
    assert all(f"U+{ord(ch):04X}" in warning.message for ch, _ in inserted)
    for fmt in ("txt", "md", "html", "docx", "json"):
        data = build(result, fmt)
        if fmt != "docx":
            shown = data.decode("utf-8")
            assert clean_name in shown and not any(ch in shown for ch in LISTED if ch != "\ufeff")
    assert fill_bytes(result)[:2] == b"PK"
    twin = _with_name(tmp_path, clean_name, "twin.json")
    merged = invoke("merge", dirty, twin, "-o", tmp_path / "汇总.json", "--name", "汇总", "--self", twin)
    assert merged.exit_code == 2 and "以下 1 个单位重复出现（同一单位只能计入一次）" in merged.output, merged.output


def test_a_lone_surrogate_in_json_is_removed_with_a_warning_and_builds(tmp_path):
    obj = json.loads(SUOLUO.read_text(encoding="utf-8"))
    obj["problems"] = obj["problems"] + "\ud800\ufffe"
    obj["bogus\udfff"] = 1
    path = tmp_path / "坏.json"
    path.write_text(json.dumps(obj), encoding="ascii")
    checked = invoke("check", path, "--json")
    assert "U+D800" in checked.output and "U+FFFE" in checked.output and "bogus" in checked.output
    out = tmp_path / "报告.html"
    assert invoke("build", path, "-o", out, "--draft").exit_code == 1  # the stray key is an error
    del obj["bogus\udfff"]
    path.write_text(json.dumps(obj), encoding="ascii")
    assert invoke("build", path, "-o", tmp_path / "定稿.html").exit_code == 0
    assert invoke("fill", path, "-o", tmp_path / "填.xlsx").exit_code == 0


# --- 5. long names, full or closed outputs, Ctrl-C ------------------------------------------------

LONG = "长" * 88 + ".json"  # 269 bytes: longer than any file system allows


def test_a_name_too_long_is_unusable_and_the_batch_goes_on(tmp_path):
    result = invoke("check", SUOLUO, tmp_path / LONG)
    assert result.exit_code == 2, result.output
    assert "文件名太长" in result.output and "通过" in result.output and "程序内部错误" not in result.output


def test_an_output_name_too_long_is_said_in_chinese(tmp_path):
    result = invoke("build", SUOLUO, "-o", tmp_path / LONG.replace(".json", ".txt"))
    assert result.exit_code == 2 and "文件名太长" in result.output, result.output


def test_a_summary_that_cannot_be_written_is_found_before_the_run(tmp_path):
    result = invoke("check", SUOLUO, "--summary", tmp_path / LONG.replace(".json", ".xlsx"))
    assert result.exit_code == 2 and "文件名太长" in result.output, result.output
    assert "通过" not in result.output  # refused before any file was checked


@pytest.mark.parametrize("how", ["full", "closed"])
@pytest.mark.parametrize("command", ["check", "build"])
def test_a_full_or_closed_stdout_gets_our_message(how, command):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "xltools", command, str(SUOLUO)]
    if how == "full":
        with open("/dev/full", "w") as full:
            done = subprocess.run(cmd, env=env, stdout=full, stderr=subprocess.PIPE)
    else:
        done = subprocess.run(["sh", "-c", '"$@" >&-', "sh", *cmd], env=env, stderr=subprocess.PIPE)
    err = done.stderr.decode("utf-8")
    assert done.returncode == 2, err
    assert "无法在屏幕" in err and "Traceback" not in err and "Exception" not in err, err
    if how == "full":
        assert "磁盘空间不足" in err


def test_ctrl_c_exits_130():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = (
        "import sys, time; import xltools.collect.batch as b\n"
        "def slow(*a, **k):\n    print('started', file=sys.stderr, flush=True); time.sleep(60)\n"
        "b.run = slow\nfrom xltools.cli import entry\nsys.argv = ['xltools', 'check', sys.argv[1]]\nentry()"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(SUOLUO)], env=env, stderr=subprocess.PIPE)
    assert proc.stderr.readline().strip() == b"started"
    proc.send_signal(signal.SIGINT)
    err = proc.communicate(timeout=30)[1].decode("utf-8")
    assert proc.returncode == 130 and "已中断" in err and "Traceback" not in err, err


def test_a_read_only_place_is_said_in_chinese(tmp_path, monkeypatch):
    import errno

    def read_only(*a, **k):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr("tempfile.mkstemp", read_only)
    result = invoke("build", SUOLUO, "-o", tmp_path / "报告.txt")
    assert result.exit_code == 2 and "只读" in result.output and "Read-only" not in result.output


# --- 6. click in Chinese --------------------------------------------------------------------------

# What may stay in Latin letters: the program, its commands, file types and names it prints as such.
ALLOWED = {
    "xltools",
    *main.commands,
    *(name for command in main.commands.values() for name in getattr(command, "commands", ())),  # subcommands
    *[
        "json",
        "JSON",
        "xlsx",
        "docx",
        "html",
        "txt",
        "md",
        "Markdown",
        "Word",
        "Excel",
        "WPS",
        "README",
        "Schema",
        "pip",
        "web",
        "report",
        "PDF",
        "pdf",
        "cms",
        "LibreOffice",
    ],
    "CPU",
    "IP",  # --allow-host: an address, as the IT person says it
    "localhost",  # a host name the user types
    "sha",  # sha256, the checksum an archive's index names
}
USAGE_ERRORS = [
    ["bild"],
    ["check"],
    ["build"],
    ["fill", "a.json"],
    ["serve", "--port", "0"],
    ["serve", "--port", "x"],
    ["check", "--jobs", "0", "a"],
    ["check", "--bogus"],
    ["check", "-dash.xlsx"],
    ["build", "a", "b"],
    ["build", "a", "--format", "pdff"],
    ["check", "--json=1", "a"],
    ["merge", "--scope"],
]


def _english(output: str) -> list[str]:
    scrubbed = re.sub(r"(?<![\w-])--?[A-Za-z][\w-]*", " ", output)  # option names are what a user types
    scrubbed = re.sub(r"[\w.-]*\.(xlsx|json|docx|html|htm|pdf|txt|md|j2|zip)\b", " ", scrubbed)  # file names
    scrubbed = re.sub(r"https?://[\w.:/-]+", " ", scrubbed)  # an address, typed as it stands
    scrubbed = re.sub(r"\[[a-z|]+\]", " ", scrubbed)  # a choice's values: [txt|md|html|docx|json]
    scrubbed = re.sub(r"“[^”]*”", " ", scrubbed)  # what the user typed, quoted back
    return [w for w in re.findall(r"[A-Za-z]{2,}", scrubbed) if w not in ALLOWED]


def test_every_help_and_usage_error_is_in_chinese():
    helps = [[], *([c] for c in main.commands)]
    helps += [[c, sub] for c, command in main.commands.items() for sub in getattr(command, "commands", ())]
    for args in helps:
        out = invoke(*args, "--help").output
        assert "选项：" in out and "选项:" not in out and "用法：" in out, out
        assert not _english(out), (args, _english(out), out)
    for args in USAGE_ERRORS:
        result = invoke(*args)
        assert result.exit_code == 2, (args, result.output)
        assert not _english(result.output), (args, _english(result.output), result.output)
        assert "--help 查看用法" in result.output


def _wide(*args) -> str:
    return CliRunner().invoke(main, list(args), prog_name="xltools", terminal_width=200).output


def _columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def test_help_reads_as_chinese_on_a_terminal():
    """The option list's second column lines up under Chinese metavars (a Chinese character takes
    two columns), a paragraph's lines join without a space between Chinese characters, and a command
    is listed with its first sentence whole."""
    for args in ([], *([c] for c in main.commands)):
        out = _wide(*args, "--help")
        body = out[out.index("选项：") :].split("\n\n")[0].splitlines()[1:]
        starts = {
            _columns(line[: re.search(r"\S\s{2,}(?=\S)", line).end()])
            for line in body
            if re.search(r"\S\s{2,}\S", line)
        }
        assert len(starts) == 1, (args, out)
        described = out[: out.index("选项：")]  # the command's own paragraphs
        assert not re.search(r"[\u4e00-\u9fff，；。、）][ ]+[\u4e00-\u9fff（]", described), (args, out)
    listing = _wide("--help")
    assert "check     检查填好的模板（.xlsx）或报告数据（.json），列出每处错误和要改的单元格。\n" in listing


def test_a_dash_file_name_is_explained():
    result = invoke("check", "-表.xlsx")
    assert "在文件名前加 --" in result.output and "xltools check -- -表.xlsx" in result.output
    assert "--" in invoke("--help").output and "选项到此为止" in invoke("--help").output


def test_sandbox_and_template_errors_are_in_chinese(tmp_path):
    words = tmp_path / "措辞"
    words.mkdir()
    for body, says in (
        ("{{ ''.__class__.__mro__ }}", "安全"),
        ("{{ nope }}", "不存在的变量“nope”"),
        ("{% if %}", "语法错误"),
        ("{{ 1 + 'a' }}", "运行出错"),
    ):
        (words / "preamble.j2").write_text(body, encoding="utf-8")
        result = invoke("build", SUOLUO, "--templates", words)
        assert result.exit_code == 2 and says in result.output, result.output
        error = result.output[result.output.index("错误：") :]
        assert not _english(error), error


def test_main_help_mentions_double_dash_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "-- -" in readme


def test_a_workbook_cell_is_cleaned_the_same_way(tmp_path):
    from tests.workbooks import VALID_TEXTS, fill_to

    name = "测试\u2060市\u00ad某\u3164局\ufe0f"
    book = fill_to(tmp_path / "w.xlsx", {**VALID_TEXTS, "agency.name": name})
    result = api.load_report(book)
    assert result.report.name == "测试市某局"
    warning = next(f for f in result.warnings if f.field == "agency.name")
    for code in ("U+2060", "U+00AD", "U+3164", "U+FE0F"):
        assert code in warning.message
    assert "已删除" in warning.message and warning.cell
