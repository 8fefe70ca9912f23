#!/usr/bin/env python3
"""A POS application PayLab did not write: pyiso8583 over Python's ssl module, and psec for its
keys, MACs and PIN blocks. It dials a served acquirer as an external terminal, signs on, sends
one purchase and prints both answers as JSON lines.

  pos_client.py --port N [--host 127.0.0.1] [--ca ca.pem --cert sut.pem --key sut-key.pem]
                [--terminal T0000002] [--merchant 898440354110001] [--pan ...] [--amount 100.00]
                [--stan 000123] [--framing binary2|ascii4]
                [--dialect default|cup] [--tpdu 6000030000] [--header 603100000000]
                [--tmk HEX [--mac x9.19|cup-ecb] [--pin PIN] [--wrong-mak]] [--life]

With --dialect cup it speaks a UnionPay POS's packed form: TPDU and header before a BCD MTI,
a binary bitmap, BCD numbers (odd lengths left-aligned) and lengths, DE49 an3, DE60 and DE62
LLLVAR; it signs on by DE60.3 (003: double-length keys) with no DE70. With --tmk it takes its
working keys from DE62 of the 0810 (each decrypted under the TMK and checked against its check
value), MACs its purchase with its MAK (cup-ecb in the cup dialect, x9.19 otherwise), sends
--pin as an ISO 9564 format-0 block under its PIK, and checks the MAC of the answer. The 0810's
line gains "kcv_ok"; the 0210's gains "mac_ok" (null when it carries no MAC). --wrong-mak MACs
with a key one bit off, as a POS whose keys are out of step. --life goes on past the purchase: a
pre-authorization, its online completion, a purchase and its void, a balance inquiry and the 0500
(see life()).
"""
import argparse
import json
import socket
import ssl
import warnings
from datetime import datetime, timezone

import iso8583
from iso8583.specs import default as spec

from cup_spec import cup_spec

warnings.filterwarnings("ignore")
import psec  # noqa: E402


def read_exact(stream, count):
    data = b""
    while len(data) < count:
        chunk = stream.recv(count - len(data))
        if not chunk:
            raise SystemExit("the acquirer closed the connection")
        data += chunk
    return data


def cup_mac(key, data):
    """UnionPay POS "ECB" MAC, written from its description: XOR the zero-padded blocks, hex, encrypt
    the first 8 characters, XOR with the last 8, encrypt, and the first 8 hex characters as ASCII."""
    data = psec.mac.pad_iso_1(data, 8)
    folded = bytes(8)
    for start in range(0, len(data), 8):
        folded = bytes(a ^ b for a, b in zip(folded, data[start:start + 8]))
    text = folded.hex().upper().encode()
    double = key if len(key) > 8 else key + key
    first = psec.des.encrypt_tdes_ecb(double, text[:8])
    second = psec.des.encrypt_tdes_ecb(double, bytes(a ^ b for a, b in zip(first, text[8:])))
    return second.hex().upper()[:8].encode()


def mac(algorithm, key, data):
    if algorithm == "cup-ecb":
        return cup_mac(key, data)
    return psec.mac.generate_retail_mac(key[:8], key[8:16] if len(key) > 8 else key[:8], data, 1)


class POS:
    def __init__(self, stream, options):
        self.stream, self.options = stream, options
        self.spec = cup_spec() if options.dialect == "cup" else spec
        self.prefix = (bytes.fromhex(options.tpdu) + bytes.fromhex(options.header)) if options.dialect == "cup" else b""
        self.algorithm = options.mac or ("cup-ecb" if options.dialect == "cup" else "x9.19")
        self.pik = self.mak = None

    def exchange(self, message, sign=False):
        if sign and self.mak is not None:
            message["64"] = "00" * 8
            raw, _ = iso8583.encode(message, self.spec)
            body = bytes(raw)
            body = body[:-8] + mac(self.algorithm, self.mak, body[:-8])
        else:
            raw, _ = iso8583.encode(message, self.spec)
            body = bytes(raw)
        body = self.prefix + body
        head = b"%04d" % len(body) if self.options.framing == "ascii4" else len(body).to_bytes(2, "big")
        self.stream.sendall(head + body)
        size = int(read_exact(self.stream, 4).decode()) if self.options.framing == "ascii4" else int.from_bytes(read_exact(self.stream, 2), "big")
        frame = read_exact(self.stream, size)[len(self.prefix):]
        answer, _ = iso8583.decode(frame, self.spec)
        shown = {key: value for key, value in answer.items() if key not in ("p", "1", "h") and not key.startswith("bm")}
        if sign and self.mak is not None:
            carried = frame[-8:] if "64" in answer or "128" in answer else None
            shown["mac_ok"] = None if carried is None else mac(self.algorithm, self.mak, frame[:-8]) == carried
        return shown

    def take_keys(self, answer):
        """The PIK and MAK in DE62, decrypted under the TMK, and whether their check values agree."""
        tmk = bytes.fromhex(self.options.tmk)
        tmk = tmk if len(tmk) > 8 else tmk + tmk
        block = bytes.fromhex(answer["62"]) if self.options.dialect == "cup" else bytes.fromhex(answer["62"])
        width = 8 if len(block) == 24 else 16
        keys, ok = [], True
        for index in range(2):
            start = index * (width + 4)
            key = psec.des.decrypt_tdes_ecb(tmk, block[start:start + width])
            ok = ok and psec.des.generate_kcv(key if width == 16 else key + key, 4) == block[start + width:start + width + 4]
            keys.append(key)
        self.pik, self.mak = keys
        if self.options.wrong_mak:
            self.mak = bytes([self.mak[0] ^ 0x02]) + self.mak[1:]
        return ok


def connect(options, timeout=10):
    """A connection to the acquirer: TLS with --ca (and --cert/--key for mutual TLS), else plain TCP."""
    stream = socket.create_connection((options.host, options.port), timeout=timeout)
    if options.ca:
        context = ssl.create_default_context(cafile=options.ca)
        if options.cert:
            context.load_cert_chain(options.cert, options.key)
        stream = context.wrap_socket(stream, server_hostname=options.host)
    return stream


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
    parser.add_argument("--dialect", choices=["default", "cup"], default="default")
    parser.add_argument("--tpdu", default="6000030000")
    parser.add_argument("--header", default="603100000000")
    parser.add_argument("--tmk")
    parser.add_argument("--mac", choices=["x9.19", "cup-ecb"])
    parser.add_argument("--pin")
    parser.add_argument("--wrong-mak", action="store_true")
    parser.add_argument("--life", action="store_true", help="after the sign-on, the rest of a POS's day instead of one purchase")
    options = parser.parse_args()
    stream = connect(options)
    pos = POS(stream, options)
    now = datetime.now(timezone.utc)
    sign_on = {"t": "0800", "7": now.strftime("%m%d%H%M%S"), "11": "000001", "41": options.terminal, "42": options.merchant}
    if options.dialect == "cup":
        sign_on.pop("7")
        sign_on["t"] = "0800"
        sign_on["60"] = "00000001" + "003"
        sign_on["63"] = "01 "
    else:
        sign_on["70"] = "001"
    signed_on = pos.exchange(sign_on)
    if options.tmk and "62" in signed_on:
        signed_on["kcv_ok"] = pos.take_keys(signed_on)
    print(json.dumps(signed_on, sort_keys=True), flush=True)
    minor = int(round(float(options.amount) * 100))
    purchase = {
        "t": "0200", "2": options.pan, "3": "000000", "4": "%012d" % minor, "7": now.strftime("%m%d%H%M%S"),
        "11": options.stan, "12": now.strftime("%H%M%S"), "13": now.strftime("%m%d"), "14": "2812", "22": "022",
        "25": "00", "41": options.terminal, "42": options.merchant, "49": "156",
    }
    if options.pin and pos.pik is not None:
        pik = pos.pik if len(pos.pik) > 8 else pos.pik + pos.pik
        purchase.update({"22": "021", "26": "12", "53": "2600000000000000",
                         "52": psec.des.encrypt_tdes_ecb(pik, psec.pinblock.encode_pinblock_iso_0(options.pin, options.pan)).hex().upper()})
    if options.dialect == "cup":
        purchase["60"] = "22000001"
    if options.life:
        life(pos, options, now, purchase)
    else:
        print(json.dumps(pos.exchange(purchase, sign=True), sort_keys=True), flush=True)
    stream.close()


def life(pos, options, now, template):
    """The rest of a UnionPay POS's day, each answer a JSON line: a pre-authorization of 800.00, its
    online completion for 760.00 (0200, DE25 06, DE61 naming it by its date, DE37, DE38), a purchase
    of --amount voided by DE61 (batch, trace, date) and DE37, a balance inquiry (0200, 310000), and
    the end-of-day 0500 with the batch's totals in DE48 (the completion: 1 debit of 760.00)."""
    stan = int(options.stan)
    date = now.strftime("%m%d")

    def send(fields, kind):
        nonlocal stan
        stan += 1
        message = dict(template)
        message.update({"11": "%06d" % stan})
        message.update(fields)
        message = {key: value for key, value in message.items() if value is not None}
        if options.dialect == "cup":
            message["60"] = kind + "000001"
        answer = pos.exchange(message, sign=True)
        print(json.dumps(answer, sort_keys=True), flush=True)
        return answer, message

    hold, _ = send({"t": "0100", "3": "030000", "4": "%012d" % 80000, "25": "06"}, "10")
    send({"t": "0200", "3": "000000", "4": "%012d" % 76000, "25": "06", "61": "000000000000" + date,
          "37": hold.get("37"), "38": hold.get("38")}, "20")
    bought, sent = send({}, "22")
    send({"t": "0200", "3": "200000", "61": "000001" + sent["11"] + date, "37": bought.get("37"), "38": bought.get("38")}, "23")
    send({"t": "0200", "3": "310000", "4": None}, "01")
    totals = "001%012d000%012d0" % (76000, 0) + "000%012d000%012d0" % (0, 0)
    settlement = {"t": "0500", "2": None, "3": None, "4": None, "14": None, "22": None, "25": None, "48": totals,
                  "52": None, "26": None, "53": None}
    stan += 1
    message = {key: value for key, value in dict(template, **settlement, **{"11": "%06d" % stan}).items() if value is not None}
    for key in ("52", "26", "53"):
        message.pop(key, None)
    message["60"] = "00000001201"
    print(json.dumps(pos.exchange(message, sign=True), sort_keys=True), flush=True)


if __name__ == "__main__":
    main()
