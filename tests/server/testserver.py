#!/usr/bin/env python3
"""testserver.py - the local HTTP/1.1 server the test suite and the demo run against.

Standard library only (asyncio), so it starts on a fresh machine once `make deps` has
installed python3. Binds 127.0.0.1 on two ephemeral ports (A and B: tests need two
"hosts" to show parallelism) and writes "http=PORT http2=PORT" to --port-file once
listening. Serves until SIGTERM/SIGINT, or until its parent process goes away.

Endpoints (query parameters in brackets):
  /hello                      "hello world"
  /hello-close                the same, then closes the connection without announcing it
  /delay?ms=N                 answers after N ms; counts in-flight requests (peak in /stats)
  ...?group=NAME              on any request: /stats groups.NAME counts that group alone
                              ({inflight, peak} of its /delay requests, {open} connections)
  /stats, /stats/reset        JSON counters
  /tls[?ms=N]                 {"peer_port", "session_reused"} of this connection (after N ms)
  /echo                       JSON {method, path, query, headers, length, sha256, chunked}
  /multipart                  parses the multipart/form-data it is sent (streamed: bodies of
                              any size): JSON {content_type, boundary, length, error, parts:
                              [{name, filename, type, size, sha256, text}]} and, for bodies up
                              to 4 MiB, "email": the same parts as Python's email parser sees
                              them (an independent reading)
  /mirror                     answers with the request's body and Content-Type
  /multipart-reply?case=NAME  a canned multipart/form-data (or other) body for formData()
                              (see REPLIES); case=big&n=N: one N-byte file of the pattern
  /bytes?n=N[&chunked=1]      N bytes of the pattern byte i = (i*31+7) & 255, streamed
  /status?code=N              that status
  /headers-then-body?ms=N     head at once, body N ms later
  /chunked?parts=a,b,c[&delay=ms]
  /redirect?to=URL[&code=N]   /redirect-loop
  /set-cookie                 two Set-Cookie headers
  /gzip?n=N, /deflate?n=N     the pattern, compressed; /gzip-chunked?n=N
  /coded?enc=LIST&src=S:N     a payload (mkcoded's sources: pattern:N, text:N, zeros:N) with
                              the content codings of LIST (gzip, deflate, br, zstd, identity)
                              applied in order; Content-Encoding is LIST joined with ", " (or
                              ce=VALUE), X-Encoded-Length the full encoding's length. Options:
                              q=LEVEL (br, zstd), chunked=1, cut=K (send only the first K bytes,
                              K < 0: all but the last -K; framing still complete), corrupt=K
                              (byte K, K < 0 from the end, XOR 0x55). br and zstd come from
                              build/<backend>/mkcoded (tests/c/mkcoded.c; $TEST_MKCODED names it)
  /br-reserved?n=N            a br stream built here bit by bit (RFC 7932): an uncompressed
                              meta-block of N pattern bytes, then a metadata meta-block whose
                              reserved bit is set - invalid whatever the encoder's version
  /close-mid-body?n=N&cut=M[&abort=1]  announces N bytes, sends M, closes (abort: no
                              TLS close_notify)
  /close-before-headers       closes at once;  /never: never answers;  /reset: RST
  /noread[?answer=1]          never reads the request body; never answers (or: 413 at once)
  /slow-headers               trickles the head one byte per 100 ms
  /slowread?slow_ms=&chunk=&answer_ms=  reads the upload chunk bytes per 50 ms for slow_ms,
                              then at once; answers "read N" answer_ms later
  /stream-progress?n=N        streams the pattern; /stats shows stream_written
  /bad/<name>                 hostile responses (see HOSTILE); /bad/endless-chunked streams
                              until the client leaves (/stats: endless_open, endless_blocks)

Every answer sent in parts stops as soon as its client has gone (send_part; /stats
streams_stopped counts the streams its check ended, the others end in drain() with
ConnectionResetError), and log_records counts what asyncio logged (a write to a closed
transport logs a warning; tests/run-js.sh fails the suite on any log line). The log is also
rate-limited (QuietLog), so a bug of this kind cannot flood the test output again.
"""
import argparse
import asyncio
import email.message
import email.parser
import email.policy
import hashlib
import json
import logging
import os
import re
import resource
import signal
import socket
import ssl
import struct
import sys
import urllib.parse
import zlib

STATS = {"inflight": 0, "peak_inflight": 0, "connections_total": 0, "requests_total": 0,
         "stream_written": 0, "connections_open": 0, "streams_stopped": 0, "log_records": 0,
         "endless_open": 0, "endless_blocks": 0}

GAUGES = ("inflight", "connections_open", "endless_open")
# ?group=NAME on any request: counts of that group alone, so a test sees its own requests
# and connections, not the ones an earlier test left behind (an aborted /delay the server
# still holds): {"inflight", "peak"} of its /delay requests, {"open"} connections that
# carried one of its requests and are still open
GROUPS = {}


def group(name):
    return GROUPS.setdefault(name, {"inflight": 0, "peak": 0, "open": 0})


class ClientGone(ConnectionError):
    """The client closed or reset the connection while an answer was being streamed."""


async def send_part(reader, writer, data):
    # One part of an answer sent in parts; raises ClientGone once the client has left.
    # Over TLS the loss of the socket reaches the stream only through a callback
    # (connection_lost, scheduled with call_soon), and drain() does not suspend while the
    # write buffer is low - a writer that never suspends never lets that callback run, and
    # goes on writing to the dead socket (asyncio logs each write: "socket.send() raised
    # exception.") with the whole server blocked. Checking first and yielding after each
    # part stops the stream at the next part. Over TLS the client's close_notify (or EOF)
    # also ends it: asyncio writes nothing after it ("SSL connection is closed"), and the
    # transport says it is closing only once the socket is gone.
    tls = writer.get_extra_info("ssl_object") is not None
    if writer.transport.is_closing() or (tls and reader.at_eof()):
        STATS["streams_stopped"] += 1
        raise ClientGone()
    writer.write(data)
    await writer.drain()
    await asyncio.sleep(0)


class QuietLog(logging.Filter):
    """Counts asyncio's log records (/stats log_records) and lets only the first few through."""
    LIMIT = 20
    seen = 0

    def filter(self, record):
        STATS["log_records"] += 1
        self.seen += 1
        if self.seen == self.LIMIT + 1:
            sys.stderr.write("testserver: further asyncio log records suppressed (see /stats)\n")
        return self.seen <= self.LIMIT


def _once_connection_lost():
    # CPython gh-156512 (fixed upstream, present in 3.11): when a write fails inside
    # resume_writing() while the transport is closing - asyncio's own TLS shutdown after a
    # client's close_notify, the client already gone - _write_ready() schedules
    # _call_connection_lost() and then calls it too; the second call raises AttributeError
    # into the log. A transport whose socket is already released has nothing left to do.
    from asyncio import selector_events
    cls = getattr(selector_events, "_SelectorSocketTransport", None)
    orig = getattr(cls, "_call_connection_lost", None)
    if orig is None:
        return

    def call_once(self, exc):
        if getattr(self, "_sock", True) is None:
            return
        orig(self, exc)
    cls._call_connection_lost = call_once


def pattern(start, n):
    return bytes(((i * 31 + 7) & 255) for i in range(start, start + n))


PATTERN_BLOCK = pattern(0, 256 * 1024)  # period 256: any 256-aligned slice works


def pattern_chunk(offset, n):
    # offset is a multiple of 256 in all callers (chunks of 64 KiB)
    return PATTERN_BLOCK[offset % 256: offset % 256 + n]


class Request:
    def __init__(self, method, target, version, headers, body, chunked):
        self.method, self.version, self.headers, self.body, self.chunked = method, version, headers, body, chunked
        u = urllib.parse.urlsplit(target)
        self.path = u.path
        self.query_string = u.query
        self.query = dict(urllib.parse.parse_qsl(u.query, keep_blank_values=True))


async def read_request(reader):
    line = await reader.readline()
    if not line:
        return None
    try:
        method, target, version = line.decode("latin-1").rstrip("\r\n").split(" ", 2)
    except ValueError:
        return None
    headers = []
    while True:
        h = await reader.readline()
        if not h or h in (b"\r\n", b"\n"):
            break
        name, _, value = h.decode("latin-1").partition(":")
        headers.append((name.strip().lower(), value.strip()))
    hd = {}
    for k, v in headers:
        hd[k] = hd[k] + ", " + v if k in hd else v
    body = b""
    chunked = "chunked" in hd.get("transfer-encoding", "").lower()
    if target.startswith("/noread") or target.startswith("/slowread"):
        pass                               # a server that never reads the upload (or paces it)
    elif chunked:
        parts = []
        while True:
            size_line = await reader.readline()
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass
                break
            parts.append(await reader.readexactly(size))
            await reader.readline()
        body = b"".join(parts)
    elif target.startswith("/multipart") and "content-length" in hd:
        body = await read_multipart(reader, int(hd["content-length"]), hd.get("content-type", ""))
    elif "content-length" in hd:
        body = await read_body_hashed(reader, int(hd["content-length"]), hd)
    return Request(method, target, version, hd, body, chunked)


class MultipartScan:
    """A streaming multipart/form-data reader: fed the body in pieces, it keeps only a
    window of it and reports each part's headers, size and SHA-256 (and, when small, its
    text). Written from RFC 7578 / RFC 2046, independent of the runtime's parser."""

    def __init__(self, boundary):
        self.delim = b"\r\n--" + boundary
        self.buf = b"\r\n"                  # the first delimiter has no CR LF before it
        self.state = "preamble"
        self.parts = []
        self.cur = None
        self.error = None

    def feed(self, data):
        self.buf += data
        while self.error is None and self.step():
            pass

    def finish(self):
        if self.error is None and self.state != "done":
            self.error = "truncated in state " + self.state

    def step(self):
        if self.state in ("preamble", "body"):
            i = self.buf.find(self.delim)
            if i < 0:
                keep = len(self.delim) - 1
                if len(self.buf) > keep:
                    if self.state == "body":
                        self.take(self.buf[:-keep])
                    self.buf = self.buf[-keep:]
                return False
            if self.state == "body":
                self.take(self.buf[:i])
                self.cur.pop("_h")
                self.cur.pop("_small")
                self.parts.append(self.cur)
            elif i != 0:
                self.error = "a preamble"
            self.buf = self.buf[i + len(self.delim):]
            self.state = "after"
            return True
        if self.state == "after":
            if len(self.buf) < 2:
                return False
            if self.buf[:2] == b"--":
                self.state = "done"
                if self.buf[2:] not in (b"", b"\r\n"):
                    self.error = "bytes after the close delimiter"
                return False
            if self.buf[:2] != b"\r\n":
                self.error = "no CR LF after a delimiter"
                return False
            self.buf = self.buf[2:]
            self.state = "headers"
            return True
        if self.state == "headers":
            j = self.buf.find(b"\r\n\r\n")
            if j < 0:
                return False
            self.cur = {"name": None, "filename": None, "type": None, "size": 0,
                        "_h": hashlib.sha256(), "_small": b""}
            for line in self.buf[:j].split(b"\r\n"):
                k, _, v = line.decode("latin-1").partition(":")
                k, v = k.strip().lower(), v.strip()
                if k == "content-disposition":
                    m = re.search(r'(?:^|;) *name="([^"]*)"', v)
                    self.cur["name"] = m and m.group(1).encode("latin-1").decode("utf-8", "replace")
                    m = re.search(r'; *filename="([^"]*)"', v)
                    self.cur["filename"] = m and m.group(1).encode("latin-1").decode("utf-8", "replace")
                    self.cur["disposition"] = v.split(";")[0]
                elif k == "content-type":
                    self.cur["type"] = v
            self.buf = self.buf[j + 4:]
            self.state = "body"
            return True
        return False

    def take(self, data):
        self.cur["size"] += len(data)
        self.cur["_h"].update(data)
        if len(self.cur["_small"]) < 4096:
            self.cur["_small"] += data[:4096]
        self.cur["sha256"] = self.cur["_h"].hexdigest()
        self.cur["text"] = self.cur["_small"].decode("utf-8", "replace") if self.cur["size"] <= 4096 else None


class _Multipart:
    def __init__(self, n, content_type):
        self.n, self.content_type, self.raw = n, content_type, None
        msg = email.message.Message()
        msg["content-type"] = content_type
        self.boundary = msg.get_param("boundary")
        self.scan = MultipartScan(self.boundary.encode("latin-1")) if self.boundary else None

    def __len__(self):
        return self.n

    def report(self):
        out = {"content_type": self.content_type, "boundary": self.boundary, "length": self.n,
               "error": self.scan.error if self.scan else "no boundary",
               "parts": self.scan.parts if self.scan else []}
        if self.raw is not None:
            msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                b"Content-Type: " + self.content_type.encode("latin-1") + b"\r\n\r\n" + self.raw)
            out["email"] = []
            for p in (msg.iter_parts() if msg.is_multipart() else []):
                data = p.get_payload(decode=True)
                out["email"].append({"name": p.get_param("name", header="content-disposition"),
                                     "filename": p.get_filename(), "type": p.get("content-type"),
                                     "sha256": hashlib.sha256(data).hexdigest(),
                                     "text": data.decode("utf-8", "replace") if len(data) <= 4096 else None})
        return out


async def read_multipart(reader, n, content_type):
    # Streamed through MultipartScan; kept whole (for the email parser too) up to 4 MiB.
    mp = _Multipart(n, content_type)
    left, keep = n, n <= 4 * 1024 * 1024
    raw = []
    while left:
        chunk = await reader.read(min(left, 1 << 20))
        if not chunk:
            raise asyncio.IncompleteReadError(b"", left)
        left -= len(chunk)
        if mp.scan:
            mp.scan.feed(chunk)
        if keep:
            raw.append(chunk)
    if mp.scan:
        mp.scan.finish()
    if keep:
        mp.raw = b"".join(raw)
    return mp


async def read_body_hashed(reader, n, hd):
    # Large bodies are hashed as they stream in, not kept: returns a _Hashed stand-in.
    if n <= 4 * 1024 * 1024:
        return await reader.readexactly(n)
    h = hashlib.sha256()
    left = n
    while left:
        chunk = await reader.read(min(left, 1 << 20))
        if not chunk:
            raise asyncio.IncompleteReadError(b"", left)
        h.update(chunk)
        left -= len(chunk)
    return _Hashed(n, h.hexdigest())


class _Hashed:
    def __init__(self, n, digest):
        self.n, self.digest = n, digest

    def __len__(self):
        return self.n


def body_sha(body):
    return body.digest if isinstance(body, _Hashed) else hashlib.sha256(body).hexdigest()


# /multipart-reply?case=NAME: (Content-Type, body) for formData() to parse
def _mp(*parts, boundary=b"BOUNDARY", close=b"--BOUNDARY--\r\n"):
    return b"".join(b"--" + boundary + b"\r\n" + p + b"\r\n" for p in parts) + close


REPLIES = {
    "basic": ("multipart/form-data; boundary=BOUNDARY", _mp(
        b'Content-Disposition: form-data; name="text"\r\n\r\nhello\r\nworld',
        b'Content-Disposition: form-data; name="q%22uote%0D%0Aname"\r\n\r\nv',
        b'Content-Disposition: form-data; name="\xc3\xa9t\xc3\xa9"\r\n\r\n\xc3\xa9',
        b'Content-Disposition: form-data; name="bad"\r\n\r\n\xff\xfe',
        b'Content-Disposition: form-data; name="file"; filename="a%22b.txt"\r\n'
        b'Content-Type: Text/HTML; charset=UTF-8\r\n\r\n<p>\x00\r\n--BOUNDAR</p>',
        b'Content-Disposition: form-data; name="notype"; filename=""\r\n\r\nno type',
        b'Content-Disposition: form-data; name="latin"; filename="f"\r\n'
        b'Content-Type: text/\xe9\r\n\r\nx',
        b'Content-Disposition: form-data; name="text"\r\n\r\nsecond')),
    "bom": ("multipart/form-data; boundary=BOUNDARY", _mp(
        b'Content-Disposition: form-data; name="\xef\xbb\xbfn"\r\n\r\n\xef\xbb\xbfv',
        b'Content-Disposition: form-data; name="f"; filename="\xef\xbb\xbfx"\r\n\r\n\xef\xbb\xbfbody')),
    "empty": ("multipart/form-data; boundary=BOUNDARY", b"--BOUNDARY--\r\n"),
    "quoted-boundary": ('multipart/form-data; boundary="a b;c"', _mp(
        b'Content-Disposition: form-data; name="n"\r\n\r\nv', boundary=b"a b;c",
        close=b"--a b;c--")),
    "no-boundary": ("multipart/form-data", _mp(b'Content-Disposition: form-data; name="n"\r\n\r\nv')),
    "wrong-boundary": ("multipart/form-data; boundary=OTHER", _mp(b'Content-Disposition: form-data; name="n"\r\n\r\nv')),
    "no-close": ("multipart/form-data; boundary=BOUNDARY",
                 b'--BOUNDARY\r\nContent-Disposition: form-data; name="n"\r\n\r\nv\r\n'),
    "no-name": ("multipart/form-data; boundary=BOUNDARY", _mp(b'Content-Type: text/plain\r\n\r\nv')),
    "lf-only": ("multipart/form-data; boundary=BOUNDARY",
                b'--BOUNDARY\nContent-Disposition: form-data; name="n"\n\nv\n--BOUNDARY--\n'),
    "bad-header": ("multipart/form-data; boundary=BOUNDARY", _mp(
        b'Content-Disposition: form-data; name="n"\r\nNo Colon Here\r\n\r\nv')),
    "epilogue": ("multipart/form-data; boundary=BOUNDARY", _mp(
        b'Content-Disposition: form-data; name="n"\r\n\r\nv') + b"trailing"),
    "urlencoded": ("application/x-www-form-urlencoded;charset=UTF-8",
                   b"a=1&b=two+words&c=%C3%A9%20x&a=again&=empty&d&e=%ZZ"),
    "text": ("text/plain", b"a=1"),
    "none": (None, b"a=1"),
}


# ---- content codings: /coded, /br-reserved ----
CODED = {}                                 # (enc, src, q) -> the encoded bytes, made once


def mkcoded_path():
    # $TEST_MKCODED (the Makefile sets it), else any build's (the tool is the same for all)
    p = os.environ.get("TEST_MKCODED")
    if p:
        return p
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for b in ["libuv", "threadpool"] + sorted(os.listdir(os.path.join(root, "build"))
                                              if os.path.isdir(os.path.join(root, "build")) else []):
        c = os.path.join(root, "build", b, "mkcoded")
        if os.access(c, os.X_OK):
            return c
    raise RuntimeError("build/<backend>/mkcoded not built (make build/libuv/mkcoded)")


async def mkcoded(args, data=None):
    proc = await asyncio.create_subprocess_exec(
        mkcoded_path(), *args, stdin=asyncio.subprocess.PIPE if data is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate(data)
    if proc.returncode != 0:
        raise RuntimeError("mkcoded %s: %s" % (" ".join(args), err.decode("latin-1").strip()))
    return out


async def encoded(codings, src, q):
    """src (mkcoded's SOURCE syntax) with codings applied in order; the first br/zstd stage
    reads the source in mkcoded itself, so a bomb (zeros:1073741824) is never held here."""
    key = (tuple(codings), src, q)
    if key in CODED:
        return CODED[key]
    data = None
    for c in codings:
        qa = ["-q", q] if q else []
        if c in ("br", "zstd"):
            data = await mkcoded([c] + qa + ([src] if data is None else ["-"]), data)
            continue
        if data is None:
            data = await mkcoded(["identity", src])
        if c == "gzip":
            z = zlib.compressobj(wbits=31)
            data = z.compress(data) + z.flush()
        elif c == "deflate":
            data = zlib.compress(data)
        elif c != "identity":
            raise RuntimeError("unknown coding " + c)
    if data is None:
        data = await mkcoded(["identity", src])
    CODED[key] = data
    return data


def br_reserved(n):
    """RFC 7932 by hand: WBITS 16 (one 0 bit), a meta-block with ISLAST 0, MNIBBLES 4,
    MLEN - 1 in 16 bits, ISUNCOMPRESSED 1, zero bits to the byte boundary and MLEN bytes; then
    a meta-block with ISLAST 0, MNIBBLES "11" (metadata) and its reserved bit set: the decoder
    must fail there (section 9.2), after the first block's bytes."""
    out = bytearray()
    bits = []

    def put(value, count):                 # LSB first, as the format packs its bits
        for i in range(count):
            bits.append((value >> i) & 1)

    def flush():
        while len(bits) % 8:
            bits.append(0)
        for i in range(0, len(bits), 8):
            out.append(sum(b << j for j, b in enumerate(bits[i:i + 8])))
        del bits[:]
    assert 1 <= n <= 65536
    put(0, 1)                              # WBITS = 16
    put(0, 1)                              # ISLAST = 0
    put(0, 2)                              # MNIBBLES = 4
    put(n - 1, 16)                         # MLEN - 1
    put(1, 1)                              # ISUNCOMPRESSED
    flush()
    out += pattern(0, n)
    put(0, 1)                              # ISLAST = 0
    put(3, 2)                              # MNIBBLES = 0: a metadata block
    put(1, 1)                              # reserved: must be 0
    put(0, 2)                              # MSKIPBYTES = 0
    flush()
    return bytes(out)


async def send_coded(req, reader, writer):
    q = req.query
    try:
        if req.path == "/br-reserved":
            codings, body = ["br"], br_reserved(int(q.get("n", "1000")))
        else:
            codings = [c.strip() for c in q.get("enc", "gzip").split(",") if c.strip()]
            body = await encoded(codings, q.get("src", "pattern:1000"), q.get("q", ""))
    except (RuntimeError, ValueError, OSError) as e:
        await send(writer, 500, "coded: %s" % e)
        return
    full = len(body)
    if "corrupt" in q:
        k = int(q["corrupt"]) % full
        body = body[:k] + bytes([body[k] ^ 0x55]) + body[k + 1:]
    if "cut" in q:
        body = body[:int(q["cut"])]
    hs = [("Content-Type", "application/octet-stream"),
          ("Content-Encoding", q.get("ce", ", ".join(codings))), ("X-Encoded-Length", str(full))]
    chunked = q.get("chunked") == "1"
    hs.append(("Transfer-Encoding", "chunked") if chunked else ("Content-Length", str(len(body))))
    await send_part(reader, writer, head(200, hs))
    for i in range(0, len(body), 16384):
        part = body[i:i + 16384]
        await send_part(reader, writer, b"%x\r\n" % len(part) + part + b"\r\n" if chunked else part)
    if chunked:
        await send_part(reader, writer, b"0\r\n\r\n")


def head(status, headers=(), reason=None):
    reasons = {200: "OK", 201: "Created", 204: "No Content", 301: "Moved Permanently", 302: "Found",
               303: "See Other", 304: "Not Modified", 307: "Temporary Redirect",
               308: "Permanent Redirect", 400: "Bad Request", 404: "Not Found",
               418: "I'm a Teapot", 500: "Internal Server Error", 503: "Service Unavailable"}
    lines = ["HTTP/1.1 %d %s" % (status, reason if reason is not None else reasons.get(status, "Status"))]
    lines += ["%s: %s" % kv for kv in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def send(writer, status, body=b"", headers=(), reason=None):
    if isinstance(body, str):
        body = body.encode()
    hs = list(headers) + [("Content-Length", str(len(body)))]
    writer.write(head(status, hs, reason) + body)
    await writer.drain()


async def stream_pattern(reader, writer, n, chunked=False, track=False):
    off = 0
    while off < n:
        k = min(65536, n - off)
        data = pattern_chunk(off, k)
        await send_part(reader, writer, b"%x\r\n" % k + data + b"\r\n" if chunked else data)
        off += k
        if track:
            STATS["stream_written"] = off
    if chunked:
        await send_part(reader, writer, b"0\r\n\r\n")


HOSTILE = {
    "invalid-chunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n0\r\n\r\n",
    "garbage": b"this is not http at all\r\n\r\n",
    "negative-length": b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\nabc",
    "two-lengths": b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde",
    "cl-and-te": b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    "http09": b"<html>an HTTP/0.9 style body with no status line</html>",
}


async def handle(req, reader, writer):
    q, p = req.query, req.path
    if "group" in q and q["group"] not in writer.groups:
        writer.groups.add(q["group"])
        group(q["group"])["open"] += 1
    if p == "/hello":
        await send(writer, 200, "hello world", [("Content-Type", "text/plain")])
    elif p == "/hello-close":
        # answers, then closes without saying so: the client's pooled connection is stale
        await send(writer, 200, "hello world", [("Content-Type", "text/plain")])
        return False
    elif p == "/delay":
        g = group(q.get("group", ""))
        STATS["inflight"] += 1
        g["inflight"] += 1
        STATS["peak_inflight"] = max(STATS["peak_inflight"], STATS["inflight"])
        g["peak"] = max(g["peak"], g["inflight"])
        try:
            await asyncio.sleep(int(q.get("ms", "100")) / 1000)
        finally:
            STATS["inflight"] -= 1
            g["inflight"] -= 1
        await send(writer, 200, q.get("body", "delayed %s" % q.get("ms", "100")))
    elif p == "/tls":
        # which connection this is (the client's port) and whether its TLS session was
        # resumed: keep-alive reuse and session resumption show up here
        await asyncio.sleep(int(q.get("ms", "0")) / 1000)
        peer = writer.get_extra_info("peername")
        if peer is None:
            return False                   # the client left during the wait (an abort)
        so = writer.get_extra_info("ssl_object")
        out = {"peer_port": peer[1], "session_reused": bool(so and so.session_reused)}
        await send(writer, 200, json.dumps(out), [("Content-Type", "application/json")])
    elif p == "/stats":
        await send(writer, 200, json.dumps(dict(STATS, groups=GROUPS)),
                   [("Content-Type", "application/json")])
    elif p == "/stats/reset":
        for k in STATS:
            if k not in GAUGES:            # what is open now stays counted
                STATS[k] = 0
        await send(writer, 200, "{}")
    elif p == "/echo":
        out = {"method": req.method, "path": p, "query": req.query_string, "headers": req.headers,
               "length": len(req.body), "sha256": body_sha(req.body), "chunked": req.chunked}
        if not isinstance(req.body, _Hashed) and len(req.body) <= 65536:
            out["body"] = req.body.decode("latin-1")
        await send(writer, 200, json.dumps(out), [("Content-Type", "application/json")])
    elif p == "/multipart":
        out = req.body.report() if isinstance(req.body, _Multipart) else {"error": "no body"}
        await send(writer, 200, json.dumps(out), [("Content-Type", "application/json")])
    elif p == "/mirror":
        hs = [("Content-Type", req.headers["content-type"])] if "content-type" in req.headers else []
        await send(writer, 200, req.body if isinstance(req.body, bytes) else b"", hs)
    elif p == "/multipart-reply":
        if q.get("case") == "big":
            n = int(q.get("n", "0"))
            head_part = (b'--BOUNDARY\r\nContent-Disposition: form-data; name="big"; filename="big.bin"\r\n'
                         b'Content-Type: application/octet-stream\r\n\r\n')
            tail = b"\r\n--BOUNDARY--\r\n"
            writer.write(head(200, [("Content-Type", "multipart/form-data; boundary=BOUNDARY"),
                                    ("Content-Length", str(len(head_part) + n + len(tail)))]) + head_part)
            await stream_pattern(reader, writer, n)
            await send_part(reader, writer, tail)
        else:
            ctype, body = REPLIES[q.get("case", "basic")]
            await send(writer, 200, body, [("Content-Type", ctype)] if ctype else [])
    elif p == "/bytes":
        n = int(q.get("n", "0"))
        chunked = q.get("chunked") == "1"
        hs = [("Content-Type", "application/octet-stream")]
        hs.append(("Transfer-Encoding", "chunked") if chunked else ("Content-Length", str(n)))
        writer.write(head(200, hs))
        await stream_pattern(reader, writer, n, chunked)
    elif p == "/stream-progress":
        n = int(q.get("n", "0"))
        STATS["stream_written"] = 0
        writer.write(head(200, [("Content-Length", str(n))]))
        await stream_pattern(reader, writer, n, False, track=True)
    elif p == "/status":
        code = int(q.get("code", "200"))
        await send(writer, code, "" if code in (204, 304) else "status %d" % code, reason=q.get("reason"))
    elif p == "/headers-then-body":
        body = b"body after the head"
        await send_part(reader, writer, head(200, [("Content-Length", str(len(body)))]))
        await asyncio.sleep(int(q.get("ms", "500")) / 1000)
        await send_part(reader, writer, body)
    elif p == "/chunked":
        parts = q.get("parts", "a,b,c").split(",")
        delay = int(q.get("delay", "0")) / 1000
        await send_part(reader, writer, head(200, [("Transfer-Encoding", "chunked")]))
        for part in parts:
            data = part.encode()
            if data:
                await send_part(reader, writer, b"%x\r\n" % len(data) + data + b"\r\n")
            if delay:
                await asyncio.sleep(delay)
        await send_part(reader, writer, b"0\r\n\r\n")
    elif p == "/redirect":
        await send(writer, int(q.get("code", "302")), "", [("Location", q.get("to", "/hello"))])
    elif p == "/redirect-loop":
        await send(writer, 302, "", [("Location", "/redirect-loop")])
    elif p == "/set-cookie":
        await send(writer, 200, "cookies", [("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2"),
                                           ("X-Multi", "one"), ("X-Multi", "two")])
    elif p in ("/gzip", "/deflate", "/gzip-chunked"):
        data = pattern(0, int(q.get("n", "1000")))
        if p == "/deflate":
            comp, enc = zlib.compress(data), "deflate"
        else:
            c = zlib.compressobj(wbits=31)
            comp, enc = c.compress(data) + c.flush(), "gzip"
        if p == "/gzip-chunked":
            writer.write(head(200, [("Content-Encoding", enc), ("Transfer-Encoding", "chunked")]))
            for i in range(0, len(comp), 1000):
                part = comp[i:i + 1000]
                writer.write(b"%x\r\n" % len(part) + part + b"\r\n")
            writer.write(b"0\r\n\r\n")
            await writer.drain()
        else:
            await send(writer, 200, comp, [("Content-Encoding", enc)])
    elif p in ("/coded", "/br-reserved"):
        await send_coded(req, reader, writer)
    elif p == "/close-mid-body":
        n, cut = int(q.get("n", "1000")), int(q.get("cut", "100"))
        writer.write(head(200, [("Content-Length", str(n))]) + pattern(0, cut))
        await writer.drain()
        if q.get("abort") == "1":
            writer.transport.abort()       # over TLS: no close_notify
        return False
    elif p == "/close-before-headers":
        return False
    elif p == "/noread":
        if q.get("answer"):
            # answers 413 at once without reading the upload, then stops reading
            await send(writer, 413, "too large", [("Connection", "close")])
            await asyncio.sleep(float(q.get("linger", "2")))
            return False
        # never reads the request body and never answers: the client's upload stalls
        await asyncio.sleep(3600)
        return False
    elif p == "/slowread":
        # reads the upload slowly for slow_ms (chunk bytes, 32 KiB unless told, every 50 ms:
        # the client's last byte goes out late), then the rest at once, then answers
        # answer_ms later with the count
        n, got = int(req.headers.get("content-length", "0")), 0
        until = asyncio.get_running_loop().time() + int(q.get("slow_ms", "1000")) / 1000
        step = int(q.get("chunk", "32768"))
        while got < n:
            slow = asyncio.get_running_loop().time() < until
            chunk = await reader.read(min(step if slow else 1 << 20, n - got))
            if not chunk:
                return False
            got += len(chunk)
            if slow:
                await asyncio.sleep(0.05)
        await asyncio.sleep(int(q.get("answer_ms", "0")) / 1000)
        await send(writer, 200, "read %d" % got)
    elif p == "/never":
        await asyncio.sleep(3600)
    elif p == "/reset":
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        return False
    elif p == "/slow-headers":
        for b in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok":
            await send_part(reader, writer, bytes([b]))
            await asyncio.sleep(0.1)
    elif p.startswith("/bad/"):
        name = p[5:]
        if name in HOSTILE:
            writer.write(HOSTILE[name])
            await writer.drain()
            return False
        if name == "huge-header":
            writer.write(b"HTTP/1.1 200 OK\r\nX-Huge: " + b"a" * (1024 * 1024) + b"\r\n\r\n")
        elif name == "many-headers":
            writer.write(b"HTTP/1.1 200 OK\r\n" + b"h:1\r\n" * 10000 + b"Content-Length: 0\r\n\r\n")
        elif name == "endless-chunked":
            # endless until the client leaves (a bound all the same: 6.5 GB); /stats shows
            # how many are still streaming and how many blocks the last one wrote
            STATS["endless_open"] += 1
            STATS["endless_blocks"] = 0
            try:
                await send_part(reader, writer, head(200, [("Transfer-Encoding", "chunked")]))
                block = b"%x\r\n" % 65536 + b"x" * 65536 + b"\r\n"
                for _ in range(100000):
                    await send_part(reader, writer, block)
                    STATS["endless_blocks"] += 1
            finally:
                STATS["endless_open"] -= 1
        else:
            await send(writer, 404, "no such hostile case")
            return True
        await writer.drain()
        return False
    else:
        await send(writer, 404, "not found: " + p)
    return req.headers.get("connection", "").lower() != "close"


async def serve_conn(reader, writer):
    STATS["connections_total"] += 1
    STATS["connections_open"] += 1
    writer.groups = set()
    gone = False
    try:
        while True:
            req = await read_request(reader)
            if req is None:
                break
            STATS["requests_total"] += 1
            if not await handle(req, reader, writer):
                break
    except (ConnectionError, asyncio.IncompleteReadError, ValueError, asyncio.CancelledError,
            ssl.SSLError, OSError):
        gone = True
    finally:
        STATS["connections_open"] -= 1
        for name in writer.groups:
            GROUPS[name]["open"] -= 1
        try:
            # A client that has gone gets no goodbye: close() would flush what is buffered
            # and, over TLS, write a close_notify into the dead socket (and asyncio 3.11
            # then reports connection_lost twice, with a traceback in the log).
            if gone:
                writer.transport.abort()
            else:
                writer.close()
        except Exception:
            pass


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--certs", help="directory made by tests/certs/make-certs.sh: adds HTTPS listeners")
    args = ap.parse_args()
    logging.getLogger("asyncio").addFilter(QuietLog())
    _once_connection_lost()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    servers = [await asyncio.start_server(serve_conn, "127.0.0.1", 0, backlog=16384, limit=4 << 20)
               for _ in range(2)]
    ports = [s.sockets[0].getsockname()[1] for s in servers]
    line = "http=%d http2=%d" % (ports[0], ports[1])
    if args.certs:
        for name, cert in (("https", "server"), ("https_expired", "expired"),
                           ("https_wronghost", "wronghost"), ("https_selfsigned", "selfsigned")):
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2
            ctx.load_cert_chain(os.path.join(args.certs, cert + ".pem"), os.path.join(args.certs, cert + ".key"))
            ctx.set_alpn_protocols(["http/1.1"])
            srv = await asyncio.start_server(serve_conn, "127.0.0.1", 0, ssl=ctx, backlog=4096, limit=4 << 20)
            servers.append(srv)
            line += " %s=%d" % (name, srv.sockets[0].getsockname()[1])

        async def hangup(reader, writer):
            # reads the ClientHello, then closes: a server that dies mid-handshake
            try:
                await reader.read(1024)
            finally:
                writer.close()
        srv = await asyncio.start_server(hangup, "127.0.0.1", 0)
        servers.append(srv)
        line += " https_hangup=%d" % srv.sockets[0].getsockname()[1]
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(line + "\n")
    os.rename(tmp, args.port_file)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    parent = os.getppid()

    async def watch_parent():
        while os.getppid() == parent:
            await asyncio.sleep(1)
        stop.set()

    asyncio.ensure_future(watch_parent())
    await stop.wait()
    for s in servers:
        s.close()


if __name__ == "__main__":
    asyncio.run(main())
