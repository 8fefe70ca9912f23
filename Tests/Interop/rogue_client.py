#!/usr/bin/env python3
"""A misbehaving system under test, for PayLab's untrusted-input tests. It dials a served
node over plain TCP (2-byte binary lengths) and does one bad thing, then prints what
happened: "closed" when the server closed the connection, "answer MTI DE39" for an
answer, "open" when the connection was still open when it gave up waiting.

  rogue_client.py --port N MODE [--wait SECONDS]

MODE: garbage (an HTTP request), half-frame (a length of 200, then 10 bytes, then silence),
      big-length (a length of 65535 and nothing behind it), unmatched (an 0210 nobody asked
      for), nonsense (an 0200 with a terminal id and nothing else), undecodable (a frame of
      random bytes), silent (connects and says nothing: a TLS handshake that never starts),
      flood:N (N connections at once, held open; prints how many the server closed).
"""
import argparse
import os
import socket
import time

import iso8583
from iso8583.specs import default as spec


def frame(body):
    return len(body).to_bytes(2, "big") + body


def encode(message):
    raw, _ = iso8583.encode(message, spec)
    return bytes(raw)


def outcome(stream, wait):
    stream.settimeout(wait)
    try:
        head = stream.recv(2)
        if not head:
            return "closed"
        size = int.from_bytes(head, "big")
        body = b""
        while len(body) < size:
            chunk = stream.recv(size - len(body))
            if not chunk:
                return "closed"
            body += chunk
        answer, _ = iso8583.decode(body, spec)
        return "answer %s %s" % (answer["t"], answer.get("39", "-"))
    except socket.timeout:
        return "open"
    except ConnectionResetError:
        return "closed"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--wait", type=float, default=3.0)
    parser.add_argument("mode")
    options = parser.parse_args()
    address = ("127.0.0.1", options.port)
    if options.mode.startswith("flood:"):
        count = int(options.mode.split(":")[1])
        streams = [socket.create_connection(address, timeout=5) for _ in range(count)]
        time.sleep(options.wait)
        closed = 0
        for stream in streams:
            stream.settimeout(0.05)
            try:
                if stream.recv(1) == b"":
                    closed += 1
            except socket.timeout:
                pass
            except ConnectionResetError:
                closed += 1
            stream.close()
        print("closed %d of %d" % (closed, count), flush=True)
        return
    stream = socket.create_connection(address, timeout=5)
    if options.mode == "garbage":
        stream.sendall(b"GET / HTTP/1.1\r\nHost: paylab\r\n\r\n")
    elif options.mode == "half-frame":
        stream.sendall((200).to_bytes(2, "big") + b"0200" + b"\x00" * 6)
    elif options.mode == "big-length":
        stream.sendall(b"\xff\xff")
    elif options.mode == "unmatched":
        stream.sendall(frame(encode({"t": "0210", "11": "999999", "39": "00", "41": "T0000002"})))
    elif options.mode == "nonsense":
        stream.sendall(frame(encode({"t": "0200", "11": "000777", "41": "T0000002"})))
    elif options.mode == "undecodable":
        stream.sendall(frame(b"02" + os.urandom(40)))
    elif options.mode == "silent":
        pass
    else:
        raise SystemExit("unknown mode " + options.mode)
    print(outcome(stream, options.wait), flush=True)
    stream.close()


if __name__ == "__main__":
    main()
