"""A throwaway Virtuoso 7 (Debian's ``virtuoso-opensource``) on loopback.

Its own database folder, its own generated ``virtuoso.ini`` (never the
system one), free ports on 127.0.0.1 for SQL and HTTP. Set up as a real
deployment would be:

* readers use the anonymous ``/sparql`` endpoint, which stays read-only (the
  ``SPARQL`` user gets no ``SPARQL_UPDATE``);
* ``kg push`` writes as a SQL user ``atlas`` with the ``SPARQL_UPDATE`` role,
  through the digest-authenticated ``/sparql-auth`` (SPARQL Update) and
  ``/sparql-graph-crud-auth`` (Graph Store Protocol) endpoints, with the
  credentials in the URLs' user-info;
* ``dba`` gets a random password;
* ``ResultSetMaxRows`` stays at Virtuoso's shipped 10000, fewer than the
  atlas's quads, so dumps must page.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

VIRTUOSO = shutil.which("virtuoso-t")
ISQL = shutil.which("isql-vt") or shutil.which("isql")

INI = """\
[Database]
DatabaseFile       = {dir}/atlas.db
ErrorLogFile       = {dir}/atlas.log
LockFile           = {dir}/atlas.lck
TransactionFile    = {dir}/atlas.trx
xa_persistent_file = {dir}/atlas.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {dir}/atlas-temp.db
TransactionFile    = {dir}/atlas-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort           = 127.0.0.1:{sql_port}
DisableUnixSocket    = 1
DisableTcpSocket     = 0
MaxClientConnections = 10
CheckpointInterval   = 60
CaseMode             = 2
DirsAllowed          = .
NumberOfBuffers      = 10000
MaxDirtyBuffers      = 6000
ThreadsPerQuery      = 2

[HTTPServer]
ServerPort           = 127.0.0.1:{http_port}
ServerRoot           = {dir}/www
MaxClientConnections = 10
ServerThreads        = 10
MaxKeepAlives        = 10
KeepAliveTimeout     = 10
Charset              = UTF-8
EnabledGzipContent   = 0

[SPARQL]
ResultSetMaxRows           = 10000
; Virtuoso samples the data to estimate a query's cost, so an estimate
; limit refuses the same query on one run and not the next: set none.
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime      = 60
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class VirtuosoServer:
    """``virtuoso-t +foreground`` with a generated configuration."""

    user = "atlas"

    def __init__(self, folder: Path):
        if not VIRTUOSO or not ISQL:
            raise RuntimeError("virtuoso-t / isql-vt are not installed")
        self.folder = Path(folder)
        (self.folder / "www").mkdir(parents=True, exist_ok=True)
        self.sql_port, self.http_port = _free_port(), _free_port()
        self.url = f"http://127.0.0.1:{self.http_port}"
        self.password = secrets.token_hex(8)
        self._dba = "dba"  # Virtuoso's initial password, replaced at set-up
        self.ini = self.folder / "virtuoso.ini"
        self.ini.write_text(INI.format(dir=self.folder, sql_port=self.sql_port,
                                       http_port=self.http_port))
        self.proc: subprocess.Popen | None = None
        self.start()
        try:
            self._set_up()
        except Exception:
            self.stop()
            raise

    @property
    def env(self) -> dict[str, str]:
        auth = f"http://{self.user}:{self.password}@127.0.0.1:{self.http_port}"
        return {"KG_STORE_QUERY": self.url + "/sparql",
                "KG_STORE_UPDATE": auth + "/sparql-auth",
                "KG_STORE_GRAPHS": auth + "/sparql-graph-crud-auth"}

    def start(self) -> None:
        self._log = open(self.folder / "stdout.log", "ab")
        self.proc = subprocess.Popen(
            [VIRTUOSO, "+foreground", "+configfile", str(self.ini)], cwd=self.folder,
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"virtuoso exited with {self.proc.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/sparql?query=ASK%7B%7D", timeout=2) as r:
                    if r.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"virtuoso did not start:\n{self.log()}")

    def log(self) -> str:
        path = self.folder / "atlas.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def isql(self, *statements: str) -> str:
        script = "".join(s.rstrip().rstrip(";") + ";\n" for s in statements)
        r = subprocess.run([ISQL, f"127.0.0.1:{self.sql_port}", "dba", self._dba,
                            "VERBOSE=OFF", "BANNER=OFF", "PROMPT=OFF", "ECHO=OFF",
                            "ERRORS=STDOUT"], input=script + "EXIT;\n",
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0 or "*** Error" in r.stdout:
            raise RuntimeError(f"isql failed:\n{script}\n{r.stdout}\n{r.stderr}")
        return r.stdout

    def _set_up(self) -> None:
        dba = secrets.token_hex(8)
        self.isql(
            # The writer: a SQL user with the SPARQL_UPDATE role, used through
            # the digest-authenticated endpoints only.
            f"DB.DBA.USER_CREATE('{self.user}', '{self.password}')",
            f'GRANT SPARQL_UPDATE TO "{self.user}"',
            # Graph-level security: anonymous readers may read (1), the
            # writer may read and write (1 + 2) every graph.
            "DB.DBA.RDF_DEFAULT_USER_PERMS_SET('nobody', 1)",
            f"DB.DBA.RDF_DEFAULT_USER_PERMS_SET('{self.user}', 3)",
            f"USER_SET_PASSWORD('dba', '{dba}')",
        )
        self._dba = dba

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait()
        if getattr(self, "_log", None):
            self._log.close()
