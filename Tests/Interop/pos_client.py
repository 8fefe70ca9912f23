#!/usr/bin/env python3
"""A POS application PayLab did not write: pyiso8583 over Python's ssl module. It dials a
served acquirer as an external terminal, signs on, sends one purchase and prints both
answers as JSON lines.

  pos_client.py --port N [--host 127.0.0.1] [--ca ca.pem --cert sut.pem --key sut-key.pem]
                [--terminal T0000002] [--merchant 898440354110001] [--pan ...] [--amount 100.00]
                [--stan 000123] [--framing binary2|ascii4]
"""
import argparse
import json
import socket
import ssl
from datetime import datetime, timezone

import iso8583
from iso8583.specs import default as spec


def read_exact(stream, count):
    data = b""
    while len(data) < count:
        chunk = stream.recv(count - len(data))
        if not chunk:
            raise SystemExit("the acquirer closed the connection")
        data += chunk
    return data


def exchange(stream, message, framing):
    raw, _ = iso8583.encode(message, spec)
    body = bytes(raw)
    head = b"%04d" % len(body) if framing == "ascii4" else len(body).to_bytes(2, "big")
    stream.sendall(head + body)
    size = int(read_exact(stream, 4).decode()) if framing == "ascii4" else int.from_bytes(read_exact(stream, 2), "big")
    answer, _ = iso8583.decode(read_exact(stream, size), spec)
    return {key: value for key, value in answer.items() if key not in ("p", "1") and not key.startswith("bm")}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ca")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--terminal", default="T0000002")
    parser.add_argument("--merchant", default="898440354110001")
    parser.add_argument("--pan", default="6222020000000001")
    parser.add_argument("--amount", default="100.00")
    parser.add_argument("--stan", default="000123")
    parser.add_argument("--framing", choices=["binary2", "ascii4"], default="binary2")
    options = parser.parse_args()
    stream = socket.create_connection((options.host, options.port), timeout=10)
    if options.ca:
        context = ssl.create_default_context(cafile=options.ca)
        if options.cert:
            context.load_cert_chain(options.cert, options.key)
        stream = context.wrap_socket(stream, server_hostname=options.host)
    now = datetime.now(timezone.utc)
    signed_on = exchange(stream, {"t": "0800", "7": now.strftime("%m%d%H%M%S"), "11": "000001", "70": "001"}, options.framing)
    print(json.dumps(signed_on, sort_keys=True), flush=True)
    minor = int(round(float(options.amount) * 100))
    purchase = {
        "t": "0200", "2": options.pan, "3": "000000", "4": "%012d" % minor, "7": now.strftime("%m%d%H%M%S"),
        "11": options.stan, "12": now.strftime("%H%M%S"), "13": now.strftime("%m%d"), "14": "2812", "22": "021",
        "25": "00", "41": options.terminal, "42": options.merchant, "49": "156",
    }
    print(json.dumps(exchange(stream, purchase, options.framing), sort_keys=True), flush=True)
    stream.close()


if __name__ == "__main__":
    main()
