#!/usr/bin/python3
"""A fault-injecting HTTP/1.1 proxy on loopback (asyncio, no dependencies).

Sits between a client and `lightly-al serve`. Each request is read whole,
then with probability `rate` (seeded) one fault is chosen:

  delay        forward after 0–400 ms
  drop         close the connection before forwarding (the server never sees it)
  drop-after   forward, then close without answering (the server did the work)
  truncate     forward, send half the response, close
  reset        forward, send part of the response, then RST (SO_LINGER 0)
  5xx          answer 500, 502 or 503 without forwarding
  429          answer 429 Too Many Requests with Retry-After: 0 or 1

Every request goes upstream on a new connection with Connection: close; the
client side stays keep-alive when the response has a length.

  tests/reliability/faultproxy.py --upstream http://127.0.0.1:PORT --rate 0.1 --seed 1
prints its own URL on the first line of stdout and runs until killed.
"""
import argparse
import asyncio
import random
import socket
import struct
import sys
import threading
import urllib.parse

FAULTS = ['delay', 'drop', 'drop-after', 'truncate', 'reset', '5xx', '429']


class BadRequest(Exception):
    pass


async def read_head(reader):
    head = await reader.readuntil(b'\r\n\r\n')
    lines = head.decode('latin-1').split('\r\n')
    headers = []
    for line in lines[1:]:
        if line:
            k, _, v = line.partition(':')
            headers.append((k.strip(), v.strip()))
    return lines[0], headers


def header(headers, name):
    for k, v in headers:
        if k.lower() == name:
            return v
    return None


async def read_body(reader, headers, until_eof=False):
    """The body's bytes as sent (chunked stays chunked)."""
    if (header(headers, 'transfer-encoding') or '').lower() == 'chunked':
        out = bytearray()
        while True:
            size_line = await reader.readuntil(b'\r\n')
            out += size_line
            size = int(size_line.split(b';')[0], 16)
            if size == 0:
                while True:
                    trailer = await reader.readuntil(b'\r\n')
                    out += trailer
                    if trailer == b'\r\n':
                        return bytes(out)
            out += await reader.readexactly(size + 2)
    length = header(headers, 'content-length')
    if length is not None:
        return await reader.readexactly(int(length))
    return await reader.read() if until_eof else b''


def build(first, headers, body):
    return (first + '\r\n' + ''.join('%s: %s\r\n' % kv for kv in headers) + '\r\n').encode('latin-1') + body


class FaultProxy:
    def __init__(self, upstream, rate, seed, faults=None):
        u = urllib.parse.urlsplit(upstream)
        self.host, self.port = u.hostname, u.port
        self.rate = rate
        self.rng = random.Random(seed)
        self.faults = faults or FAULTS
        self.counts = {f: 0 for f in FAULTS}
        self.requests = 0
        self.url = None

    def choose(self):
        self.requests += 1
        if self.rng.random() >= self.rate:
            return None
        f = self.rng.choice(self.faults)
        self.counts[f] += 1
        return f

    async def forward(self, first, headers, body):
        r, w = await asyncio.open_connection(self.host, self.port)
        headers = [(k, v) for k, v in headers if k.lower() not in ('connection', 'expect', 'keep-alive')]
        headers.append(('Connection', 'close'))
        w.write(build(first, headers, body))
        await w.drain()
        status, rheaders = await read_head(r)
        rbody = await read_body(r, rheaders, until_eof=True)
        w.close()
        framed = header(rheaders, 'content-length') is not None or \
            (header(rheaders, 'transfer-encoding') or '').lower() == 'chunked'
        if framed:
            rheaders = [(k, v) for k, v in rheaders if k.lower() != 'connection']
        return build(status, rheaders, rbody), framed

    async def handle(self, reader, writer):
        try:
            while True:
                try:
                    first, headers = await read_head(reader)
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                if (header(headers, 'expect') or '').lower() == '100-continue':
                    writer.write(b'HTTP/1.1 100 Continue\r\n\r\n')
                    await writer.drain()
                body = await read_body(reader, headers)
                fault = self.choose()
                if fault == 'drop':
                    return
                if fault in ('5xx', '429'):
                    code = self.rng.choice([500, 502, 503]) if fault == '5xx' else 429
                    extra = 'Retry-After: %d\r\n' % self.rng.choice([0, 1]) if code in (429, 503) else ''
                    msg = b'{"code":"FAULT","error":"injected by the fault proxy"}'
                    writer.write(('HTTP/1.1 %d Injected\r\nContent-Type: application/json\r\n%s'
                                  'Content-Length: %d\r\n\r\n' % (code, extra, len(msg))).encode() + msg)
                    await writer.drain()
                    continue
                if fault == 'delay':
                    await asyncio.sleep(self.rng.uniform(0, 0.4))
                try:
                    response, framed = await self.forward(first, headers, body)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    return  # upstream gone: the client sees a dropped connection
                if fault == 'drop-after':
                    return
                if fault == 'truncate':
                    writer.write(response[:max(1, len(response) // 2)])
                    await writer.drain()
                    return
                if fault == 'reset':
                    writer.write(response[:max(1, self.rng.randrange(len(response)))])
                    await writer.drain()
                    sock = writer.get_extra_info('socket')
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
                    return
                writer.write(response)
                await writer.drain()
                if not framed:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            return
        finally:
            writer.close()

    async def serve(self, ready=None):
        server = await asyncio.start_server(self.handle, '127.0.0.1', 0)
        port = server.sockets[0].getsockname()[1]
        self.url = 'http://127.0.0.1:%d' % port
        if ready is not None:
            ready.set()
        async with server:
            await server.serve_forever()

    def start_thread(self):
        """Runs the proxy in a daemon thread; returns its URL."""
        ready = threading.Event()
        t = threading.Thread(target=lambda: asyncio.run(self.serve(ready)), daemon=True)
        t.start()
        ready.wait(10)
        return self.url


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--upstream', required=True)
    ap.add_argument('--rate', type=float, default=0.1)
    ap.add_argument('--seed', type=int, default=1)
    args = ap.parse_args()
    proxy = FaultProxy(args.upstream, args.rate, args.seed)
    url = proxy.start_thread()
    print(url, flush=True)
    threading.Event().wait()


if __name__ == '__main__':
    sys.exit(main())
