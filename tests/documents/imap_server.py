"""A small threaded IMAP4rev1 server for the tests of the e-mail intake (RFC 3501 subset).

Supports CAPABILITY, LOGIN, SELECT / EXAMINE (with UIDVALIDITY), UID SEARCH UID n:*, UID FETCH (RFC822 /
RFC822.SIZE / UID), NOOP, LOGOUT — what ``imaplib`` needs to poll a mailbox. Listens on 127.0.0.1, random port.

    with ImapServer(user="kancelaria", password="tajne") as server:
        server.add_message(raw_bytes)
        url = server.url  # imap://kancelaria:tajne@127.0.0.1:<port>/INBOX
"""

from __future__ import annotations

import re
import socketserver
import threading
from urllib.parse import quote


def _tokens(line: str) -> list[str]:
    """Split an IMAP command line into atoms and quoted strings."""
    out, i = [], 0
    while i < len(line):
        c = line[i]
        if c == " ":
            i += 1
        elif c == '"':
            j, buf = i + 1, []
            while j < len(line) and line[j] != '"':
                if line[j] == "\\" and j + 1 < len(line):
                    j += 1
                buf.append(line[j])
                j += 1
            out.append("".join(buf))
            i = j + 1
        elif c == "(":
            j = line.index(")", i)
            out.append(line[i : j + 1])
            i = j + 1
        else:
            j = line.find(" ", i)
            j = len(line) if j < 0 else j
            out.append(line[i:j])
            i = j
    return out


def _uid_set(spec: str, uids: list[int]) -> list[int]:
    """UIDs matching a sequence set like ``5``, ``3:7``, ``5:*`` or ``1,4:6`` (``n:*`` includes the last UID)."""
    highest = max(uids) if uids else 0
    chosen: set[int] = set()
    for part in spec.split(","):
        if ":" in part:
            a, b = part.split(":", 1)
            lo = highest if a == "*" else int(a)
            hi = highest if b == "*" else int(b)
            lo, hi = min(lo, hi), max(lo, hi)
            chosen |= {u for u in uids if lo <= u <= hi}
            if "*" in (a, b) and uids:
                chosen.add(highest)
        else:
            value = highest if part == "*" else int(part)
            if value in uids:
                chosen.add(value)
    return sorted(chosen)


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def send(self, data: bytes | str) -> None:
        self.wfile.write(data.encode() if isinstance(data, str) else data)
        self.wfile.flush()

    def handle(self) -> None:
        state = {"auth": False, "selected": False}
        self.send("* OK [CAPABILITY IMAP4rev1] test IMAP server ready\r\n")
        while True:
            raw = self.rfile.readline(65536)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self.server.log.append(line)
            parts = line.split(" ", 2)
            if len(parts) < 2:
                self.send("* BAD missing command\r\n")
                continue
            tag, command = parts[0], parts[1].upper()
            args = _tokens(parts[2]) if len(parts) > 2 else []
            if command == "CAPABILITY":
                self.send(f"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n{tag} OK CAPABILITY completed\r\n")
            elif command == "NOOP":
                self.send(f"{tag} OK NOOP completed\r\n")
            elif command == "LOGOUT":
                self.send(f"* BYE logging out\r\n{tag} OK LOGOUT completed\r\n")
                return
            elif command == "LOGIN":
                if len(args) == 2 and args == [self.server.user, self.server.password]:
                    state["auth"] = True
                    self.send(f"{tag} OK LOGIN completed\r\n")
                else:
                    self.send(f"{tag} NO [AUTHENTICATIONFAILED] invalid credentials\r\n")
            elif not state["auth"]:
                self.send(f"{tag} NO not authenticated\r\n")
            elif command in ("SELECT", "EXAMINE"):
                if not args or args[0].upper() != self.server.folder.upper():
                    self.send(f"{tag} NO no such mailbox\r\n")
                    continue
                state["selected"] = True
                with self.server.lock:
                    count, uidnext = len(self.server.messages), self.server.next_uid
                mode = "READ-ONLY" if command == "EXAMINE" else "READ-WRITE"
                self.send(
                    f"* {count} EXISTS\r\n* 0 RECENT\r\n* FLAGS (\\Seen \\Deleted)\r\n"
                    f"* OK [UIDVALIDITY {self.server.uidvalidity}] UIDs valid\r\n"
                    f"* OK [UIDNEXT {uidnext}] predicted next UID\r\n{tag} OK [{mode}] {command} completed\r\n"
                )
            elif not state["selected"]:
                self.send(f"{tag} NO no mailbox selected\r\n")
            elif command == "UID" and args:
                self._uid(tag, args[0].upper(), args[1:])
            else:
                self.send(f"{tag} BAD unknown command\r\n")

    def _uid(self, tag: str, sub: str, args: list[str]) -> None:
        with self.server.lock:
            messages = list(self.server.messages)
        uids = [u for u, _m in messages]
        if sub == "SEARCH":
            spec = args[1] if len(args) >= 2 and args[0].upper() == "UID" else (args[0] if args else "1:*")
            found = _uid_set(spec, uids) if re.fullmatch(r"[0-9*:,]+", spec) else []
            self.send(f"* SEARCH {' '.join(map(str, found))}\r\n".replace("SEARCH \r\n", "SEARCH\r\n"))
            self.send(f"{tag} OK UID SEARCH completed\r\n")
        elif sub == "FETCH" and len(args) >= 2:
            items = args[1].strip("()").upper().split()
            by_uid = dict(messages)
            for uid in _uid_set(args[0], uids):
                seq = uids.index(uid) + 1
                body = by_uid[uid]
                out = [f"UID {uid}".encode()]
                if "RFC822.SIZE" in items:
                    out.append(f"RFC822.SIZE {len(body)}".encode())
                if "RFC822" in items or "BODY[]" in items or "BODY.PEEK[]" in items:
                    out.append(f"RFC822 {{{len(body)}}}\r\n".encode() + body)
                self.send(f"* {seq} FETCH (".encode() + b" ".join(out) + b")\r\n")
            self.send(f"{tag} OK UID FETCH completed\r\n")
        else:
            self.send(f"{tag} BAD unsupported UID command\r\n")


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class ImapServer:
    def __init__(self, *, user="kancelaria", password="tajne", folder="INBOX", uidvalidity=1):  # noqa: S107
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.user, self._server.password, self._server.folder = user, password, folder
        self._server.uidvalidity = uidvalidity
        self._server.messages = []
        self._server.next_uid = 1
        self._server.lock = threading.Lock()
        self._server.log = []
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def log(self) -> list[str]:
        return self._server.log

    def url(self, password: str | None = None) -> str:
        pw = self._server.password if password is None else password
        return f"imap://{quote(self._server.user)}:{quote(pw)}@127.0.0.1:{self.port}/{self._server.folder}"

    def add_message(self, raw: bytes) -> int:
        with self._server.lock:
            uid = self._server.next_uid
            self._server.messages.append((uid, raw))
            self._server.next_uid += 1
        return uid

    def reset_uidvalidity(self, value: int) -> None:
        with self._server.lock:
            self._server.uidvalidity = value

    def __enter__(self) -> ImapServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
