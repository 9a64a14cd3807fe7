#!/usr/bin/env python3
"""proxy.py - a small HTTP proxy for the test suite (tests/run-js.sh starts it).

Standard library only (asyncio). Listens on 127.0.0.1, two ephemeral ports, and writes
"proxy=PORT proxy_auth=PORT" to --port-file once listening:
  proxy         open to anyone;
  proxy_auth    wants "Proxy-Authorization: Basic base64(--user:--password)"; without it
                (or with other credentials) it answers 407 Proxy Authentication Required
                (to a CONNECT, then closes; to an absolute-form request, keeps the
                connection, as real proxies do).
What it does, as a real forward proxy:
  GET http://host:port/path HTTP/1.1   (absolute-form, any method) forwarded to the origin
                in origin-form, Proxy-Authorization and Proxy-Connection removed (they are
                the proxy's), the answer relayed (Content-Length, chunked, or until close);
                the connection to the origin is kept for the next request to it.
  CONNECT host:port HTTP/1.1           a tunnel: "200 Connection established", then bytes
                both ways until one side closes.
  GET /stats    (origin-form, to the proxy itself) JSON counters for each listener:
                connections (that carried a proxied request or CONNECT: a connection
                that asks only for /stats is not counted), requests (absolute-form), connects (tunnels opened), refused
                (407s), with_auth (requests and CONNECTs that carried Proxy-Authorization),
                upstream (connections made to origins for absolute-form requests), last
                (the last absolute-form or CONNECT request: method, target, host,
                proxy_authorization); a test compares two snapshots.
Serves until SIGTERM/SIGINT, or until its parent process goes away. Logs nothing in a good
run (tests/run-js.sh fails the suite on anything the servers log).
"""
import argparse
import asyncio
import base64
import json
import os
import signal
import urllib.parse

STATS = {}


def new_stats():
    return {"connections": 0, "requests": 0, "connects": 0, "refused": 0, "with_auth": 0,
            "upstream": 0, "last": None}


async def read_head(reader):
    """The next request or response head as (first line, [(name, value)]), or None at EOF."""
    try:
        data = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as e:
        if e.partial.strip():
            raise ValueError("truncated head")
        return None
    lines = data[:-4].decode("latin-1").split("\r\n")
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.append((name.strip(), value.strip()))
    return lines[0], headers


def get(headers, name):
    for n, v in headers:
        if n.lower() == name:
            return v
    return None


def head_bytes(first, headers):
    return (first + "\r\n" + "".join("%s: %s\r\n" % hv for hv in headers) + "\r\n").encode("latin-1")


async def relay_body(reader, writer, headers, no_body=False):
    """Copy one message body from reader to writer. Returns False when it was delimited by
    the connection's close (the connection cannot be used again)."""
    if no_body:
        return True
    te = (get(headers, "transfer-encoding") or "").lower()
    if "chunked" in te:
        while True:
            line = await reader.readuntil(b"\r\n")
            writer.write(line)
            size = int(line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while True:                # trailers, then the empty line
                    t = await reader.readuntil(b"\r\n")
                    writer.write(t)
                    if t == b"\r\n":
                        return True
            writer.write(await reader.readexactly(size + 2))
            await writer.drain()
    cl = get(headers, "content-length")
    if cl is not None:
        n = int(cl)
        while n > 0:
            part = await reader.read(min(n, 65536))
            if not part:
                raise ConnectionError("body cut short")
            writer.write(part)
            n -= len(part)
            await writer.drain()
        return True
    return None                            # no framing: the caller decides


async def pipe(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            writer.write_eof()
        except (OSError, RuntimeError):
            writer.transport.abort()


def make_handler(name, credentials):
    stats = STATS.setdefault(name, new_stats())
    want = None
    if credentials:
        want = "Basic " + base64.b64encode(credentials.encode()).decode()

    async def refuse(writer, keep):
        stats["refused"] += 1
        body = b"proxy authentication required"
        writer.write(head_bytes("HTTP/1.1 407 Proxy Authentication Required", [
            ("Proxy-Authenticate", 'Basic realm="test proxy"'),
            ("Content-Length", str(len(body))), ("Connection", "keep-alive" if keep else "close")])
            + body)
        await writer.drain()

    async def serve(reader, writer):
        upstreams = {}                     # (host, port) -> (reader, writer)
        counted = False
        try:
            while True:
                req = await read_head(reader)
                if req is None:
                    break
                first, headers = req
                method, target, _ = first.split(" ", 2)
                if not counted and target != "/stats":
                    stats["connections"] += 1
                    counted = True
                auth = get(headers, "proxy-authorization")
                if auth is not None:
                    stats["with_auth"] += 1
                if method == "CONNECT":
                    stats["last"] = {"method": method, "target": target, "host": get(headers, "host"),
                                     "proxy_authorization": auth}
                    if want and auth != want:
                        await refuse(writer, False)
                        break
                    host, _, port = target.rpartition(":")
                    try:
                        ur, uw = await asyncio.open_connection(host.strip("[]"), int(port))
                    except OSError:
                        writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n"
                                     b"Connection: close\r\n\r\n")
                        await writer.drain()
                        break
                    stats["connects"] += 1
                    writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    await writer.drain()
                    await asyncio.gather(pipe(reader, uw), pipe(ur, writer))
                    uw.close()
                    return
                if not target.startswith("http://"):
                    if target == "/stats":
                        body = json.dumps(STATS).encode()
                        writer.write(head_bytes("HTTP/1.1 200 OK", [
                            ("Content-Type", "application/json"),
                            ("Content-Length", str(len(body)))]) + body)
                        await writer.drain()
                        continue
                    writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                                 b"Connection: close\r\n\r\n")
                    break
                stats["requests"] += 1
                u = urllib.parse.urlsplit(target)
                stats["last"] = {"method": method, "target": target, "host": get(headers, "host"),
                                 "proxy_authorization": auth}
                keep = (get(headers, "connection") or "").lower() != "close"
                if want and auth != want:
                    # the request's body (if any) is read and dropped, then the 407
                    await relay_body(reader, _Null(), headers)
                    await refuse(writer, keep)
                    if not keep:
                        break
                    continue
                key = (u.hostname, u.port or 80)
                if key not in upstreams:
                    upstreams[key] = await asyncio.open_connection(*key)
                    stats["upstream"] += 1
                ur, uw = upstreams[key]
                path = u.path or "/"
                if u.query:
                    path += "?" + u.query
                fwd = [(n, v) for n, v in headers
                       if n.lower() not in ("proxy-authorization", "proxy-connection")]
                uw.write(head_bytes("%s %s HTTP/1.1" % (method, path), fwd))
                await relay_body(reader, uw, headers)
                await uw.drain()
                resp = await read_head(ur)
                if resp is None:
                    raise ConnectionError("the origin closed")
                status = int(resp[0].split(" ", 2)[1])
                writer.write(head_bytes(*resp))
                no_body = method == "HEAD" or status in (204, 304) or status < 200
                framed = await relay_body(ur, writer, resp[1], no_body)
                if framed is None:         # until the origin closes: then so do we
                    while True:
                        data = await ur.read(65536)
                        if not data:
                            break
                        writer.write(data)
                        await writer.drain()
                    break
                await writer.drain()
                if (get(resp[1], "connection") or "").lower() == "close":
                    uw.close()
                    del upstreams[key]
                    break
                if not keep:
                    break
        except (ConnectionError, OSError, ValueError, asyncio.IncompleteReadError,
                asyncio.LimitOverrunError):
            writer.transport.abort()
            return
        finally:
            for _, uw in upstreams.values():
                uw.close()
        try:
            writer.close()
        except Exception:
            pass

    return serve


class _Null:
    """A writer that drops what it is given (the body of a request answered with 407)."""

    def write(self, data):
        pass

    async def drain(self):
        pass


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--user", default="user")
    ap.add_argument("--password", default="p@ss:word")
    args = ap.parse_args()
    servers = []
    line = []
    for name, cred in (("proxy", None), ("proxy_auth", args.user + ":" + args.password)):
        srv = await asyncio.start_server(make_handler(name, cred), "127.0.0.1", 0, backlog=1024)
        servers.append(srv)
        line.append("%s=%d" % (name, srv.sockets[0].getsockname()[1]))
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(" ".join(line) + "\n")
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
