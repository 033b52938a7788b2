"""Install xltools from this bundle into venv/ next to it, without network.

Run by install.bat / install.sh with the Python they found (or the one named as their argument).
Kept to Python 3.6 syntax (no walrus, no match, no X | Y types), so that an older Python than the
bundle is made for can still say in Chinese that it does not fit.
"""

import json
import os
import subprocess
import sys

TOOLS = os.path.dirname(os.path.abspath(__file__))
HERE = os.path.dirname(TOOLS)
WINDOWS = os.name == "nt"


def say(text):
    """Print in Chinese on any console (unprintable characters replaced, never an error)."""
    stream = sys.stdout
    encoding = getattr(stream, "encoding", None) or "utf-8"
    stream.write(text.encode(encoding, "replace").decode(encoding) + "\n")
    stream.flush()


def venv_python(venv):
    return os.path.join(venv, "Scripts", "python.exe") if WINDOWS else os.path.join(venv, "bin", "python")


def main():
    with open(os.path.join(TOOLS, "bundle.json"), encoding="utf-8") as fh:
        bundle = json.load(fh)
    version = "{}.{}".format(*sys.version_info[:2])
    wanted = bundle["pythons"]
    if version not in wanted:
        say(
            "这台电脑的 Python 是 {}（{}），本安装包适用于 Python {}。".format(
                version, sys.executable, "、".join(wanted)
            )
        )
        say("请安装其中一个版本（安装时勾选“Add python.exe to PATH”），或在安装命令后写上它的 python 路径，例如：")
        say(
            '    install.bat "C:\\Program Files\\Python311\\python.exe"'
            if WINDOWS
            else "    sh install.sh /usr/bin/python3.11"
        )
        return 3
    on_windows = bundle["platform"].startswith("win")
    if on_windows != WINDOWS or sys.maxsize < 2**32:
        say("本安装包是为 {}（64 位）准备的，不能在这台电脑上安装。请使用对应平台的安装包。".format(bundle["platform"]))
        return 3
    venv = os.path.join(HERE, "venv")
    if os.path.exists(venv) and not os.path.isfile(os.path.join(venv, "pyvenv.cfg")):
        say(f"文件夹“{venv}”已存在，但不是 Python 虚拟环境。请把它改名或移走后再安装。")
        return 3
    python = venv_python(venv)
    fresh = not os.path.isfile(python) or _version_of(python) != version
    say("正在安装 xltools {}（Python {}）到：{}".format(bundle["xltools"], version, venv))
    if fresh:
        try:
            import ensurepip  # noqa: F401  (Debian and Ubuntu ship it separately: python3-venv)
            import venv as venv_module
        except ImportError:
            say(
                "这个 Python 不能创建虚拟环境。Debian/Ubuntu 上请先安装 python3-venv（例如 apt install python3.11-venv）。"
            )
            return 3
        venv_module.EnvBuilder(with_pip=True, clear=os.path.exists(venv)).create(venv)
    command = [
        python, "-m", "pip", "install", "--isolated", "--no-index", "--disable-pip-version-check",
        "--no-warn-script-location", "--find-links", os.path.join(HERE, "wheels"), "--upgrade",
        bundle["requirement"],
    ]  # fmt: skip
    # --isolated: this machine's pip settings (an index, a mirror, constraints) play no part.
    done = subprocess.call(command)
    if done != 0:
        say(f"安装没有完成（pip 退出码 {done}）。请把上面的英文信息发给提供安装包的人。")
        return done
    if subprocess.call([python, "-m", "xltools", "--version"]) != 0:
        say("安装后无法运行 xltools。请把上面的信息发给提供安装包的人。")
        return 1
    say("安装完成。")
    if WINDOWS:
        say("  命令行工具：双击 xltools.bat，在打开的窗口中输入 xltools 命令，例如 xltools check 报告.xlsx")
        say("  网页版：双击 serve.bat（自动打开浏览器；关闭窗口即停止）")
    else:
        say("  命令行工具：sh {} check 报告.xlsx".format(os.path.join(HERE, "xltools.sh")))
        say("  网页版：sh {}（按 Ctrl+C 停止）".format(os.path.join(HERE, "serve.sh")))
    return 0


def _version_of(python):
    try:
        out = subprocess.check_output([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.decode("ascii", "replace").strip()


if __name__ == "__main__":
    sys.exit(main())
