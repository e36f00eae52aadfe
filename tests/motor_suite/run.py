"""Run Motor 3.7.1's own tests (asyncio_tests, tornado_tests) on motorx.

    python tests/motor_suite/run.py SUITE_DIR [pytest arguments...]

SUITE_DIR holds ``test/`` and ``pyproject.toml`` unpacked from Motor's sdist
(``scripts/test`` fetches it, hash-pinned, into ``.cache/``; it is never
committed).  pytest runs there with Motor's own configuration (warnings are
errors, strict xfail) plus ``motor_suite_plugin`` (``motor`` is ``motorx``,
expected failures, counts), against ``$MONGODB_URI`` when set, else an
embedded SecantusDB server started here on a free port and stopped by PID.

``MOTOR_SUITE_TARGET=motor`` runs the same suite on real Motor (a venv that
has it), to rebuild the baseline; ``MOTOR_SUITE_OUTCOMES=FILE`` writes every
test's outcome there as JSON.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # tests/: embedded_server

from embedded_server import EmbeddedServer, find_secantusd  # noqa: E402

SUITE_PATHS = ["test/asyncio_tests", "test/tornado_tests"]


def log(msg: str) -> None:
    print("[motorx] %s" % msg, file=sys.stderr, flush=True)


def main(argv: list) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    suite_dir, extra = Path(argv[0]).resolve(), argv[1:]
    if not (suite_dir / "test" / "test_environment.py").is_file():
        log("%s holds no Motor test suite" % suite_dir)
        return 2
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env["MOTOR_SUITE_FULL"] = "0" if extra else "1"
    server = None
    uri = os.environ.get("MONGODB_URI")
    if uri:
        from pymongo.uri_parser import parse_uri

        parsed = parse_uri(uri)
        host, port = parsed["nodelist"][0]
        env.update(DB_IP=host, DB_PORT=str(port), MOTOR_SUITE_SERVER="uri")
        if parsed.get("username"):
            env.update(DB_USER=parsed["username"], DB_PASSWORD=parsed.get("password") or "")
        log("Motor's suite against MONGODB_URI (%s:%s)" % (host, port))
    else:
        executable = find_secantusd()
        if executable is None:
            log("no secantusd-py found (scripts/test installs it into .venv-secantus)")
            return 2
        server = EmbeddedServer(executable)
        server.start()
        log("Motor's suite against the embedded server on 127.0.0.1:%d (pid %d)" % (server.port, server.pid))
        env.update(
            DB_IP="127.0.0.1", DB_PORT=str(server.port), MOTOR_SUITE_SERVER="embedded",
            # MotorAWSLambdaExamples reads the server from MONGODB_URI.
            MONGODB_URI="mongodb://127.0.0.1:%d/" % server.port,
            # SecantusDB runs with --enable-test-commands but its
            # getCmdLineOpts does not say so: the plugin tells the suite.
            MOTOR_SUITE_TEST_COMMANDS="1",
        )
    cmd = [
        sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "motor_suite_plugin",
        # Motor's addopts stop at 10 failures: run everything, so the
        # summary judges every test.  Live INFO logs are left out.
        "--maxfail=1000000", "-o", "log_cli_level=WARNING", "--continue-on-collection-errors",
    ] + (extra or SUITE_PATHS)
    try:
        return subprocess.call(cmd, cwd=str(suite_dir), env=env)
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
