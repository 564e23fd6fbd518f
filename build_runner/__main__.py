"""``python -m build_runner generate EVENT.zip|URL -o app.apk`` or ``... run``."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    usage = "usage: python -m build_runner {generate,run} ... (see --help of each)"
    if not args or args[0] in ("-h", "--help"):
        print(usage)
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command == "generate":
        from build_runner.generate.cli import main as generate_main

        return generate_main(rest)
    if command == "run":
        from build_runner.runner.cli import main as run_main

        return run_main(rest)
    print(f"unknown command {command!r}; {usage}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
