"""A stand-in AT modem on a pseudo-terminal (tests only; standard library).

PtyModem opens a pty pair (os.openpty), hands out the slave's path as the
modem's AT port and answers the commands written to it from a recorded
answer file of tests/data/cellular/*.at: for a command its answer is the
recording's lines with the command's prefix ("+CSQ:" for AT+CSQ), then OK;
a command the recording has no line for answers ERROR, as a module that
does not support it would. AT+CGMI answers the vendor, ATE0 OK.

Echo is on until ATE0, as on a real module. Modes (set any time, per round):
replay, echo (the command line comes back before every answer, ATE0 ignored), urc (unsolicited codes before, inside
and after answers), noise (an overlong line and control-byte junk inside
answers; a +CEREG URC not inside the AT+CEREG? answer, where it would
count as part of it), stall (answers AT+CESQ half and goes silent), qeng_error (ERROR
to AT+QENG), gone (after answering AT+CSQ the modem closes its side: the
port disappears), exclusive (the tty is in TIOCEXCL mode, as ModemManager
leaves it), mute (never answers).

Two SIM slots: `slot` is the active one (AT+QUIMSLOT? says it,
AT+QUIMSLOT=N sets it and answers OK; `slot_commands` lists those); a slot
in `dead_slots` is not registered (+CREG/+CEREG: 2,2 searching, QENG "SEARCH", no
operator) whatever the recording says.

The slave stays open here too, so the master does not read EIO between the
daemon's rounds; `commands` lists every command line received.
"""
import fcntl
import os
import select
import termios
import threading
import tty


def answers_from(path):
    """prefix ("+CSQ") -> [lines] of a recorded AT answer file."""
    out = {}
    with open(path, "rb") as f:
        data = f.read().decode("utf-8", "replace")
    for line in data.replace("\r", "\n").split("\n"):
        line = line.strip()
        if line.startswith("+") and ":" in line:
            out.setdefault(line.split(":", 1)[0].upper(), []).append(line)
    return out


class PtyModem:
    def __init__(self, recording, vendor="Quectel"):
        self.answers = answers_from(recording)
        self.vendor = vendor
        self.mode = "replay"
        self.echo_on = True  # E1 is a module's default; ATE0 turns it off
        self.commands = []
        self.slot = 1
        self.dead_slots = set()
        self.slot_commands = []
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        self.closed = False
        self._buf = b""
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def set_mode(self, mode):
        with self._lock:
            self.mode = mode
            if mode == "exclusive":
                fcntl.ioctl(self.slave, termios.TIOCEXCL)
            elif not self.closed:
                fcntl.ioctl(self.slave, termios.TIOCNXCL)

    def _send(self, text):
        os.write(self.master, text.encode())

    def _answer(self, cmd):
        mode = self.mode
        up = cmd.upper()
        if mode == "mute":
            return
        if mode == "echo" or self.echo_on:
            self._send(cmd + "\r\r\n")
        if mode == "urc":
            self._send("\r\n+CREG: 1\r\n\r\nRING\r\n")
        if up.startswith("ATE"):
            self.echo_on = up != "ATE0" and mode != "echo"
            self._send("\r\nOK\r\n")
            return
        if up == "AT+CGMI" or up == "ATI":
            self._send("\r\n%s\r\n\r\nOK\r\n" % self.vendor)
            return
        if not up.startswith("AT+"):
            self._send("\r\nERROR\r\n")
            return
        prefix = "+" + up[3:].split("=")[0].rstrip("?")
        if up.startswith("AT+QUIMSLOT="):
            try:
                n = int(up.split("=", 1)[1])
            except ValueError:
                n = 0
            if n not in (1, 2):
                self._send("\r\n+CME ERROR: 50\r\n")
                return
            self.slot_commands.append(cmd)
            self.slot = n
            self._send("\r\nOK\r\n")
            return
        if self.slot in self.dead_slots and prefix in ("+CREG", "+CEREG", "+QENG", "+COPS"):
            # a SIM the network refuses: searching, no serving cell, no operator
            self._send("\r\n%s\r\n\r\nOK\r\n" % {
                "+CREG": "+CREG: 2,2", "+CEREG": "+CEREG: 2,2", "+QENG": '+QENG: "servingcell","SEARCH"',
                "+COPS": "+COPS: 0"}[prefix])
            return
        if mode == "stall" and prefix == "+CESQ":
            self._send("\r\n+CESQ: 99,99")  # half a line, then silence
            return
        if mode == "qeng_error" and prefix == "+QENG":
            self._send("\r\nERROR\r\n")
            return
        lines = self.answers.get(prefix)
        if prefix == "+QUIMSLOT" and lines:
            lines = ["+QUIMSLOT: %d" % self.slot]
        if not lines:
            self._send("\r\nERROR\r\n")
            return
        for i, line in enumerate(lines):
            self._send("\r\n" + line + "\r\n")
            if mode == "urc" and i == 0 and prefix != "+CEREG":
                # inside the answer: a registration URC that says roaming, a Huawei-style one
                self._send("\r\n+CEREG: 5\r\n^RSSI: 12\r\n")
            if mode == "noise" and i == 0:
                self._send("\r\n" + "x" * 1000 + "\r\n\x00\x1b[2J junk\r\n")
        self._send("\r\nOK\r\n")
        if mode == "urc":
            self._send("\r\n+CMTI: \"SM\",3\r\n")
        if mode == "gone" and prefix == "+CSQ":
            self.close()

    def _run(self):
        while not self._stop.is_set() and not self.closed:
            try:
                r, _, _ = select.select([self.master], [], [], 0.05)
            except (OSError, ValueError):
                return
            if not r:
                continue
            with self._lock:
                if self.closed:
                    return
                try:
                    data = os.read(self.master, 4096)
                except OSError:
                    continue
                self._buf += data
                while b"\r" in self._buf:
                    line, self._buf = self._buf.split(b"\r", 1)
                    cmd = line.decode("utf-8", "replace").strip()
                    if not cmd:
                        continue
                    self.commands.append(cmd)
                    self._answer(cmd)
                    if self.closed:
                        return

    def close(self):
        """The modem disappears: both ends closed, the pts node goes away."""
        if self.closed:
            return
        self.closed = True
        os.close(self.master)
        os.close(self.slave)

    def stop(self):
        self._stop.set()
        with self._lock:
            self.close()
        self._thread.join(2)
