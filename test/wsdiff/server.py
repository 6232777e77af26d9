#!/usr/bin/python3
"""A scripted WebSocket server for test/wsdiff: the same cases for a libcurl
WebSocket program built against libcurl 8 and against ferry.

It listens on 127.0.0.1 (a port the kernel picks, printed on stdout as
"port: N"), answers each opening handshake for the case its path names
(GET /CASE) and then plays the case's script: exact bytes to send, waits,
reading what the client sends. Every frame a client sends is recorded and
printed when its connection ends, as
  "CASE client: op=N fin=N masked=N len=N data=HEX"
and "CASE client: eof" / "CASE client: reset" / "CASE client: quiet" (no
more bytes within the wait). It runs until stdin closes.
Plain asyncio: no WebSocket library, so every byte is the script's.
"""
import asyncio, base64, hashlib, struct, sys

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def frame(op, payload=b"", fin=True, rsv=0, mask=None, length=None):
    b0 = (0x80 if fin else 0) | (rsv << 4) | op
    n = len(payload) if length is None else length
    if n < 126:
        head = bytes([b0, (0x80 if mask else 0) | n])
    elif n < 65536:
        head = bytes([b0, (0x80 if mask else 0) | 126]) + struct.pack(">H", n)
    else:
        head = bytes([b0, (0x80 if mask else 0) | 127]) + struct.pack(">Q", n)
    if mask:
        payload = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
        head += mask
    return head + payload


OK101 = None  # marker: the right 101
CASES = {
    # callback mode
    "cb_basic": [("send", frame(1, b"hello") + frame(2, b"\x00\x01") +
                  frame(1, b"Hel", fin=False) + frame(9, b"mid") +
                  frame(0, b"lo") + frame(10, b"unasked")),
                 ("read", 0.3),
                 ("send", frame(8, b"\x03\xe8bye")), ("read", 1.0), ("fin",)],
    "cb_big": [("send", frame(2, bytes(i % 251 for i in range(100000)))),
               ("read", 0.3), ("send", frame(8, b"\x03\xe8")), ("read", 1.0),
               ("fin",)],
    "cb_eof_no_close": [("send", frame(1, b"x")), ("read", 0.3), ("fin",)],
    "cb_eof_in_frame": [("send", frame(1, b"abc", length=10)), ("read", 0.3),
                        ("fin",)],
    "cb_eof_in_message": [("send", frame(1, b"abc", fin=False)), ("read", 0.3),
                          ("fin",)],
    "cb_masked": [("send", frame(1, b"hi", mask=b"\x37\xfa\x21\x3d")),
                  ("read", 1.0), ("fin",)],
    "cb_rsv": [("send", frame(1, b"hi", rsv=4)), ("read", 1.0), ("fin",)],
    "cb_opcode": [("send", frame(3, b"hi")), ("read", 1.0), ("fin",)],
    "cb_ctrl_long": [("send", frame(9, b"p" * 126)), ("read", 1.0), ("fin",)],
    "cb_ctrl_frag": [("send", frame(9, b"p", fin=False)), ("read", 1.0),
                     ("fin",)],
    "cb_utf8": [("send", frame(1, b"ok\xff")), ("read", 1.0), ("fin",)],
    "cb_close_nostatus": [("send", frame(8)), ("read", 1.0), ("fin",)],
    "cb_200": [("http", b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnope")],
    "cb_badaccept": [("accept", b"AAAAAAAAAAAAAAAAAAAAAAAAAAA="),
                     ("send", frame(1, b"x")), ("read", 0.3),
                     ("send", frame(8, b"\x03\xe8")), ("read", 1.0), ("fin",)],
    "cb_noping_answer": [("send", frame(1, b"a")), ("read", 1.5), ("fin",)],
    # CONNECT_ONLY
    "co_basic": [("read", 0.3),
                 ("send", frame(1, b"hello world") + frame(9, b"p") +
                  frame(1, b"ab", fin=False) + frame(0, b"cd")),
                 ("read", 0.5), ("send", frame(8, b"\x03\xe8bye")),
                 ("read", 1.0), ("fin",)],
    "co_close_first": [("read", 1.5), ("fin",)],
}


def parse_frames(buf, out):
    while True:
        if len(buf) < 2:
            return buf
        b0, b1 = buf[0], buf[1]
        n = b1 & 0x7F
        i = 2
        if n == 126:
            if len(buf) < 4:
                return buf
            n = struct.unpack(">H", buf[2:4])[0]
            i = 4
        elif n == 127:
            if len(buf) < 10:
                return buf
            n = struct.unpack(">Q", buf[2:10])[0]
            i = 10
        masked = b1 & 0x80
        mask = b""
        if masked:
            if len(buf) < i + 4:
                return buf
            mask = buf[i:i + 4]
            i += 4
        if len(buf) < i + n:
            return buf
        payload = buf[i:i + n]
        if masked:
            payload = bytes(c ^ mask[k % 4] for k, c in enumerate(payload))
        out.append("op=%d fin=%d rsv=%d masked=%d len=%d data=%s" % (
            b0 & 0xF, b0 >> 7, (b0 >> 4) & 7, 1 if masked else 0, n,
            payload[:64].hex()))
        buf = buf[i + n:]


async def handle(reader, writer):
    name = "?"
    frames = []
    ending = "quiet"
    buf = b""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        name = lines[0].split(" ")[1].lstrip("/")
        key = ""
        for l in lines[1:]:
            if l.lower().startswith("sec-websocket-key:"):
                key = l.split(":", 1)[1].strip()
        accept = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest())
        script = CASES.get(name, [])
        if script and script[0][0] == "http":
            writer.write(script[0][1])
            await writer.drain()
            script = [("read", 0.5), ("fin",)]
        else:
            if script and script[0][0] == "accept":
                accept = script[0][1]
                script = script[1:]
            writer.write(b"HTTP/1.1 101 Switching Protocols\r\n"
                         b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                         b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n")
            await writer.drain()
        for step in script:
            if step[0] == "send":
                writer.write(step[1])
                await writer.drain()
            elif step[0] == "read":
                try:
                    while True:
                        data = await asyncio.wait_for(reader.read(65536),
                                                      step[1])
                        if not data:
                            ending = "eof"
                            break
                        buf = parse_frames(buf + data, frames)
                except asyncio.TimeoutError:
                    pass
                if ending == "eof":
                    break
            elif step[0] == "fin":
                writer.write_eof()
                try:
                    while True:
                        data = await asyncio.wait_for(reader.read(65536), 1.0)
                        if not data:
                            ending = "eof"
                            break
                        buf = parse_frames(buf + data, frames)
                except asyncio.TimeoutError:
                    pass
    except (ConnectionResetError, BrokenPipeError):
        ending = "reset"
    except asyncio.IncompleteReadError:
        ending = "eof"
    for f in frames:
        print("%s client: %s" % (name, f), flush=True)
    if buf:
        print("%s client: %d bytes of a frame" % (name, len(buf)), flush=True)
    print("%s client: %s" % (name, ending), flush=True)
    writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print("port: %d" % server.sockets[0].getsockname()[1], flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()

asyncio.run(main())
