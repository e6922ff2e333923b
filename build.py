#!/usr/bin/env python3
"""Gongkai's command line: `python build.py --help`."""

import os
import sys
from pathlib import Path


def _in_project_environment() -> None:
    """Run under the project's own environment (`make site` makes .venv/) even when the editor forgot to activate
    it: a clerk typing `python build.py check` must get Gongkai's messages, not an English ImportError."""
    venv = Path(__file__).resolve().parent / ".venv"
    python = venv / "bin" / "python"
    if Path(sys.prefix).resolve() == venv.resolve() or not python.exists():
        return
    try:
        import gongkai.cli  # noqa: F401 - everything it needs is here already: stay in this interpreter
    except ImportError:
        os.execv(python, [str(python), *sys.argv])


if __name__ == "__main__":
    _in_project_environment()
    try:
        from gongkai.cli import main
    except ImportError as missing:
        print(
            f"Gongkai 需要的软件还没有安装（缺少 {missing.name}）。请在项目文件夹里运行 make site，然后再运行这条命令。",
            file=sys.stderr,
        )
        sys.exit(2)
    sys.exit(main())
