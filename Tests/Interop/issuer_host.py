#!/usr/bin/env python3
"""An issuer's authorization host that PayLab did not write: pyiso8583 for the messages,
Python's ssl module for TLS, its own threads and its own book of cards. It stands in for
a provider's real host when PayLab's tests make the issuing bank external.

  issuer_host.py --cards cards.json [--port 0] [--framing binary2|ascii4]
                 [--cert host.pem --key host-key.pem --client-ca paylab-ca.pem [--tls12]]
                 [--silent] [--year YYYY] [--defect NAME] [--zak HEX --zpk HEX [--mac x9.19|x9.9]]
                 [--dialect default|cup] [--seen FILE]

It prints "port N" once it listens. Cards are the JSON `paylab certify issuer --cards`
describes: [{"pan", "expiry" (YYMM), "balance" ("500.00"), "status", "daily_limit"}], and
optionally "pin" and "pin_tries" (default 3), and "chip": {"imk", "psn"} for a chip card: its
ARQC (DE55 9F26) is verified with pyemv (ICC master key by option A, the common session key of
9F36) and the answer carries 91 (the ARPC by method 1 and the ARC) and 8A; a bad ARQC or a
replayed ATC is 05, the card's stripe (DE22 02x) 45.

Secured (--zak, --zpk; psec does the cryptography): every request but network management must
carry the X9.19 (or X9.9) MAC under the ZAK in its last field (DE64, or DE128 with a secondary
bitmap), else it is answered A0 with no MAC; every answer but A0 and 0810 carries one. A card
with a PIN needs DE52, the ISO 9564 format-0 block under the ZPK: none or a wrong PIN is 55, the
wrong PIN that reaches pin_tries in a day (DE13) is 75 and so is the rest of that day, a block
that is not one is 99.

What it answers:
  0800 -> 0810 00 (DE7, DE11, DE70 echoed).
  0200 purchase (DE3 000000): 14 unknown card, 41 lost, 62 frozen, 54 expired, 13 zero
       amount, 61 over the daily limit, 51 short of funds, else 00 with DE38; the same
       request again (DE41, DE11, DE7) is answered 94 and charges nothing.
  0200 void (DE3 20xxxx): gives back the purchase DE90 names: 00, or 12 when there is none.
  0420/0421 reversal: of a purchase, gives the money back (00, again 00); of a void, charges
       the card again; of a purchase never seen, 25 (and that purchase is refused if it comes).
  0220/0221 stand-in advice: charges the card once, answers 0230 00.
  0100 pre-authorization (DE3 03xxxx): the checks of a purchase against what the card has
       less what other pre-authorizations hold; 00 holds the amount, takes nothing.
  0100 cancellation (DE3 20xxxx): releases the hold DE90 names (00), or 12.
  0220 completion (DE25 06), or 0200 online completion (DE25 06): releases the hold DE90 names
       and takes DE4 (00), 25 unknown
       hold, 12 a hold no longer holding, 51 more than the card has; again: 00, nothing twice.
  0200 balance inquiry (DE3 31xxxx): the card's rules and PIN, then 00 with DE54 (ledger and
       available balance, 20 characters each); nothing moves.
  0220 refund (DE3 20xxxx): the scheme cleared a refund: credits the card once, 00.
  A reversal of a pre-authorization releases its hold; of a cancellation, holds again; of a
       completion, gives the money back and holds again.
  --silent: reads everything and answers nothing (a host that hangs).
  --signed-off: a host going into maintenance: once it has answered PayLab's sign-on, it
       signs off itself (0800, DE70 002); the scheme must then send it nothing.
  --defect NAME (for the certification tests): no-de37 (drops DE37 from its answers),
       reverse-unseen-00 (answers 00 to a reversal of a purchase it never saw),
       no-de38 (approves without DE38).
  --seen FILE: a line per purchase or pre-authorization answered (MTI, DE11, DE7, DE41, DE39),
       for a test to check that load parts never sent the host one STAN twice in a DE7 second.
"""
import argparse
import json
import random
import socket
import ssl
import sys
import threading
from datetime import date, datetime, timezone
from decimal import Decimal

import warnings

import iso8583
from iso8583.specs import default as spec

from cup_spec import cup_spec

warnings.filterwarnings("ignore")
import psec  # noqa: E402
from pyemv import ac, kd, tlv  # noqa: E402

CRYPTOGRAM_TAGS = ["9F02", "9F03", "9F1A", "95", "5F2A", "9A", "9C", "9F37", "82", "9F36"]

ECHOED = ["2", "3", "4", "7", "11", "12", "13", "15", "32", "37", "41", "42", "49", "90", "103"]


class Book:
    """The host's cards and what it has authorized, behind one lock."""

    def __init__(self, cards, year=None, defect=None, zpk=None):
        self.year = year
        self.defect = defect
        self.zpk = zpk
        self.wrong_pins = {}         # (pan, MMDD) -> wrong PINs that day
        self.atcs = {}               # pan -> ATCs seen
        self.lock = threading.Lock()
        self.cards = {c["pan"]: dict(c) for c in cards}
        for card in self.cards.values():
            card["balance"] = int(Decimal(card["balance"]) * 100)
            limit = card.get("daily_limit")
            card["daily_limit"] = None if limit in (None, "") else int(Decimal(limit) * 100)
        self.seen = set()            # purchases answered, by (terminal, stan, transmission)
        self.auths = {}              # reference -> {"pan", "amount", "state", "day"}
        self.voids = {}              # void reference -> purchase reference
        self.reversed_unseen = set()
        self.spent = {}              # (pan, MMDD) -> minor units
        self.holds = {}              # pre-authorization reference -> {"pan", "amount", "state"}
        self.refunds = set()         # refund references credited

    @staticmethod
    def reference(message):
        return (message.get("41", "-"), message.get("11", "-"), message.get("7", "-"))

    def original(self, message):
        data = message.get("90", "")
        if len(data) != 42:
            return Book.reference(message)
        named = (message.get("41", "-"), data[4:10], data[10:20])
        # A follow-up made at another terminal of the merchant: DE90 names no terminal, so the
        # STAN and DE7 it names (one sender's counter) find it.
        if named not in self.auths and named not in self.holds:
            for known in list(self.auths) + list(self.holds):
                if known[1:] == named[1:]:
                    return known
        return named

    def answer(self, message):
        mti = message["t"]
        if mti == "0800":
            return respond(message, "0810", "00", extra={"70": message.get("70", "301")})
        if mti in ("0420", "0421", "0400", "0401"):
            return self.reverse(message)
        if mti in ("0220", "0221"):
            if message.get("3", "").startswith("20"):
                return self.refund(message)
            if message.get("25") == "06":
                return self.complete(message)
            return self.advice(message)
        if mti == "0100":
            code = message.get("3", "")
            if code.startswith("03"):
                return self.purchase(message, hold=True)
            if code.startswith("20"):
                return self.cancel(message)
            return respond(message, "0110", "12")
        if mti == "0200":
            code = message.get("3", "")
            if code.startswith("20"):
                return self.void(message)
            if code.startswith("31"):
                return self.inquire(message)
            if code.startswith("00") and message.get("25") == "06":
                return self.complete(message)   # a UnionPay POS's online completion
            if code.startswith("00"):
                return self.purchase(message)
            return respond(message, "0210", "12")
        return None

    def available(self, pan):
        held = sum(h["amount"] for h in self.holds.values() if h["pan"] == pan and h["state"] == "holding")
        return self.cards[pan]["balance"] - held

    def purchase(self, message, hold=False):
        answer_mti = "0110" if hold else "0210"
        ref = self.reference(message)
        if ref in self.seen:
            return respond(message, answer_mti, "94")
        self.seen.add(ref)
        if ref in self.reversed_unseen:
            return respond(message, answer_mti, "12")
        card = self.cards.get(message.get("2", ""))
        amount = int(message.get("4", "0") or "0")
        day = message.get("13", "0000")
        if card is None:
            return respond(message, answer_mti, "14")
        if card["status"] == "lost":
            return respond(message, answer_mti, "41")
        if card["status"] == "frozen":
            return respond(message, answer_mti, "62")
        # The month is the message's local date (DE13); the year is the host's own, or --year.
        year = self.year or date.today().year
        month = int(day[:2]) if day[:2].isdigit() else date.today().month
        if card["status"] == "expired" or int(card["expiry"]) < (year % 100) * 100 + month:
            return respond(message, answer_mti, "54")
        chip, refused = self.check_chip(message, card)
        if refused:
            return respond(message, answer_mti, refused)
        refused = self.check_pin(message, card, day)
        if refused:
            return self.with_arpc(respond(message, answer_mti, refused), chip)
        if amount <= 0:
            return respond(message, answer_mti, "13")
        spent = self.spent.get((card["pan"], day), 0)
        if card["daily_limit"] is not None and spent + amount > card["daily_limit"]:
            return respond(message, answer_mti, "61")
        if self.available(card["pan"]) < amount:
            return respond(message, answer_mti, "51")
        extra = {} if self.defect == "no-de38" else {"38": "%06d" % random.randint(0, 999999)}
        if chip:
            extra["55"] = self.arpc_data(chip, "00")
        if hold:
            self.holds[ref] = {"pan": card["pan"], "amount": amount, "state": "holding"}
            return respond(message, answer_mti, "00", extra=extra)
        card["balance"] -= amount
        self.spent[(card["pan"], day)] = spent + amount
        self.auths[ref] = {"pan": card["pan"], "amount": amount, "state": "debited", "day": day}
        return respond(message, "0210", "00", extra=extra)

    def inquire(self, message):
        """A balance inquiry: the card's rules as for a purchase, then DE54 with the ledger (01) and
        available (02) balances, written from ISO 8583's layout; nothing moves."""
        card = self.cards.get(message.get("2", ""))
        if card is None:
            return respond(message, "0210", "14")
        refused = {"lost": "41", "stolen": "43", "frozen": "62", "expired": "54"}.get(card["status"])
        if refused:
            return respond(message, "0210", refused)
        chip, refused = self.check_chip(message, card)
        if refused:
            return respond(message, "0210", refused)
        refused = self.check_pin(message, card, message.get("13", "0000"))
        if refused:
            return self.with_arpc(respond(message, "0210", refused), chip)

        def amount(kind, value):
            return "10" + kind + message.get("49", "156") + ("D" if value < 0 else "C") + "%012d" % abs(value)
        extra = {"54": amount("01", card["balance"]) + amount("02", self.available(card["pan"]))}
        if chip:
            extra["55"] = self.arpc_data(chip, "00")
        return respond(message, "0210", "00", extra=extra)

    def check_chip(self, message, card):
        """(the session key and ARQC, None) when a chip request's ARQC verifies; (None, code) when refused."""
        if not card.get("chip"):
            return None, None
        entry = message.get("22", "")
        if entry.startswith("02"):
            return None, "45"
        if not (entry.startswith("05") or entry.startswith("07")):
            return None, None
        try:
            data = tlv.decode(bytes.fromhex(message["55"]), simple=True)
            imk = bytes.fromhex(card["chip"]["imk"])
            psn = message.get("23", "0" + card["chip"]["psn"])[-2:]
            mk = kd.derive_icc_mk_a(imk, card["pan"], psn)
            sk = kd.derive_common_sk(mk, data["9F36"] + bytes(6))
            payload = b"".join(data[tag] for tag in CRYPTOGRAM_TAGS) + data["9F10"][3:7]
            arqc = data["9F26"]
        except (KeyError, ValueError):
            return None, "05"
        if ac.generate_ac(sk, payload, ac.PaddingType.EMV) != arqc:
            return None, "05"
        seen = self.atcs.setdefault(card["pan"], set())
        if data["9F36"] in seen:
            return None, "05"
        seen.add(data["9F36"])
        return (sk, arqc), None

    @staticmethod
    def arpc_data(chip, code):
        sk, arqc = chip
        arpc = ac.generate_arpc_1(sk, arqc, code.encode())
        return tlv.encode({"91": arpc + code.encode(), "8A": code.encode()}).hex().upper()

    def with_arpc(self, answer, chip):
        if chip:
            answer["55"] = self.arpc_data(chip, answer["39"])
        return answer

    def check_pin(self, message, card, day):
        """None when the card needs no PIN or the right one came; else 55, 75 or 99."""
        if not card.get("pin"):
            return None
        key = (card["pan"], day)
        tries = int(card.get("pin_tries") or 3)
        if self.wrong_pins.get(key, 0) >= tries:
            return "75"
        if "52" not in message or self.zpk is None:
            return "55"
        try:
            clear = psec.des.decrypt_tdes_ecb(self.zpk, bytes.fromhex(message["52"]))
            entered = psec.pinblock.decode_pinblock_iso_0(clear, card["pan"])
        except ValueError:
            return "99"
        if entered == card["pin"]:
            return None
        self.wrong_pins[key] = self.wrong_pins.get(key, 0) + 1
        return "75" if self.wrong_pins[key] >= tries else "55"

    def undo(self, ref, state):
        auth = self.auths.get(ref)
        if auth is None or auth["state"] != "debited":
            return False
        auth["state"] = state
        self.cards[auth["pan"]]["balance"] += auth["amount"]
        hold = self.holds.get(auth.get("preauth"))
        if hold is not None and hold["state"] == "completed":
            hold["state"] = "holding"   # an undone completion: its pre-authorization holds again
        key = (auth["pan"], auth["day"])
        self.spent[key] = self.spent.get(key, 0) - auth["amount"]
        return True

    def void(self, message):
        if not self.undo(self.original(message), "voided"):
            return respond(message, "0210", "12")
        self.voids[self.reference(message)] = self.original(message)
        return respond(message, "0210", "00")

    def reverse(self, message):
        answer_mti = message["t"][:2] + "3" + "0" if message["t"].startswith("042") else "0410"
        original = self.original(message)
        if original in self.holds:
            if self.holds[original]["state"] == "holding":
                self.holds[original]["state"] = "reversed"
            return respond(message, answer_mti, "00")
        if original in self.voids and self.voids[original] in self.holds:
            hold = self.holds[self.voids.pop(original)]
            if hold["state"] == "cancelled":
                hold["state"] = "holding"
            return respond(message, answer_mti, "00")
        if original in self.voids:
            purchase = self.voids.pop(original)
            auth = self.auths.get(purchase)
            if auth is not None and auth["state"] == "voided":
                auth["state"] = "debited"
                self.cards[auth["pan"]]["balance"] -= auth["amount"]
                key = (auth["pan"], auth["day"])
                self.spent[key] = self.spent.get(key, 0) + auth["amount"]
            return respond(message, answer_mti, "00")
        if original not in self.auths:
            self.reversed_unseen.add(original)
            return respond(message, answer_mti, "00" if self.defect == "reverse-unseen-00" else "25")
        self.undo(original, "reversed")
        return respond(message, answer_mti, "00")

    def cancel(self, message):
        hold = self.holds.get(self.original(message))
        if hold is None or hold["state"] != "holding":
            return respond(message, "0110", "12")
        hold["state"] = "cancelled"
        self.voids[self.reference(message)] = self.original(message)
        return respond(message, "0110", "00")

    def complete(self, message):
        answer_mti = "0210" if message["t"] == "0200" else "0230"
        ref = self.reference(message)
        if ref in self.auths:
            return respond(message, answer_mti, "00")
        original = self.original(message)
        hold = self.holds.get(original)
        amount = int(message.get("4", "0") or "0")
        if hold is None:
            return respond(message, answer_mti, "25")
        if hold["state"] != "holding" or amount <= 0:
            return respond(message, answer_mti, "12")
        if self.available(hold["pan"]) + hold["amount"] < amount:
            return respond(message, answer_mti, "51")
        hold["state"] = "completed"
        self.cards[hold["pan"]]["balance"] -= amount
        day = message.get("13", "0000")
        self.spent[(hold["pan"], day)] = self.spent.get((hold["pan"], day), 0) + amount
        self.auths[ref] = {"pan": hold["pan"], "amount": amount, "state": "debited", "day": day, "preauth": original}
        return respond(message, answer_mti, "00", extra={"38": message.get("38", "%06d" % random.randint(0, 999999))})

    def refund(self, message):
        ref = self.reference(message)
        card = self.cards.get(message.get("2", ""))
        amount = int(message.get("4", "0") or "0")
        if card is None or amount <= 0:
            return respond(message, "0230", "14")
        if ref not in self.refunds:
            self.refunds.add(ref)
            card["balance"] += amount
        return respond(message, "0230", "00")

    def advice(self, message):
        ref = self.reference(message)
        card = self.cards.get(message.get("2", ""))
        amount = int(message.get("4", "0") or "0")
        if ref not in self.auths and ref not in self.reversed_unseen and card is not None and amount > 0:
            card["balance"] -= amount
            self.auths[ref] = {"pan": card["pan"], "amount": amount, "state": "debited", "day": message.get("13", "0000")}
        return respond(message, "0230", "00")


def respond(message, mti, code, extra=None):
    answer = {"t": mti}
    for field in ECHOED:
        if field in message:
            answer[field] = message[field]
    answer["39"] = code
    if extra:
        answer.update(extra)
    return answer


def mac(options, data):
    """The MAC of data under the ZAK (psec: ISO 9797-1 algorithm 3, or 1 for X9.9; padding 1)."""
    if options.mac == "x9.9":
        return psec.mac.generate_cbc_mac(options.zak[:8], data, 1)
    return psec.mac.generate_retail_mac(options.zak[:8], options.zak[8:16], data, 1)


def mac_field(message):
    return "128" if any(key.isdigit() and int(key) > 64 for key in message) else "64"


def verified(options, message, body):
    """Whether a request from PayLab carries the right MAC (network management needs none)."""
    if options.zak is None or message["t"].startswith("08"):
        return True
    return mac_field(message) in message and mac(options, body[:-8]) == body[-8:]


def encode_answer(options, answer):
    """An answer's bytes: MACed under the ZAK, unless it is network management or A0."""
    if options.zak is None or answer["t"].startswith("08") or answer.get("39") == "A0":
        raw, _ = iso8583.encode(answer, spec)
        return bytes(raw)
    answer[mac_field(answer)] = "00" * 8
    raw, _ = iso8583.encode(answer, spec)
    raw = bytes(raw)
    return raw[:-8] + mac(options, raw[:-8])


def read_exact(stream, count):
    data = b""
    while len(data) < count:
        chunk = stream.recv(count - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def read_frame(stream, framing):
    if framing == "ascii4":
        head = read_exact(stream, 4)
        return None if head is None else read_exact(stream, int(head.decode("ascii")))
    head = read_exact(stream, 2)
    return None if head is None else read_exact(stream, int.from_bytes(head, "big"))


def frame(body, framing):
    if framing == "ascii4":
        return b"%04d" % len(body) + body
    return len(body).to_bytes(2, "big") + body


def serve(connection, book, options):
    prefix = b""
    try:
        while True:
            body = read_frame(connection, options.framing)
            if body is None:
                return
            if options.dialect == "cup":
                # The TPDU and header: answered with the TPDU's destination and source swapped.
                head, body = body[:11], body[11:]
                prefix = head[:1] + head[3:5] + head[1:3] + head[5:]
            message, _ = iso8583.decode(body, spec)
            if options.silent:
                continue
            if not verified(options, message, body):
                mti = message["t"]
                answer = respond(message, mti[:2] + str(int(mti[2]) + 1) + "0", "A0")
                if options.defect == "no-de37":
                    answer.pop("37", None)
                connection.sendall(frame(prefix + encode_answer(options, answer), options.framing))
                continue
            with book.lock:
                answer = book.answer(message)
                if options.seen is not None and message["t"] in ("0100", "0200") and answer is not None:
                    # What a host keying duplicates on STAN and DE7 alone would compare, and how it answered.
                    options.seen.write("%s %s %s %s %s\n" % (message["t"], message.get("11", "-"), message.get("7", "-"),
                                                             message.get("41", "-"), answer.get("39", "-")))
                    options.seen.flush()
            if answer is not None and options.defect == "no-de37":
                answer.pop("37", None)
            if options.signed_off and message["t"] == "0800" and message.get("70") == "001":
                # Its own sign-off goes first, so PayLab has it before the sign-on's answer.
                now = datetime.now(timezone.utc)
                raw, _ = iso8583.encode({"t": "0800", "7": now.strftime("%m%d%H%M%S"), "11": "000777", "70": "002"}, spec)
                connection.sendall(frame(prefix + bytes(raw), options.framing))
            elif options.signed_off and message["t"] not in ("0810", "0800"):
                print("received %s while signed off" % message["t"], file=sys.stderr, flush=True)
            if answer is not None:
                connection.sendall(frame(prefix + encode_answer(options, answer), options.framing))
    except (OSError, ssl.SSLError, iso8583.DecodeError, iso8583.EncodeError) as error:
        print("connection ended: %s" % error, file=sys.stderr, flush=True)
    finally:
        connection.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cards", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--framing", choices=["binary2", "ascii4"], default="binary2")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--client-ca")
    parser.add_argument("--tls12", action="store_true")
    parser.add_argument("--silent", action="store_true")
    parser.add_argument("--signed-off", action="store_true")
    parser.add_argument("--year", type=int, help="the year of the host's clock (default: today's)")
    parser.add_argument("--defect", choices=["no-de37", "reverse-unseen-00", "no-de38"])
    parser.add_argument("--zak", type=bytes.fromhex, help="the zone MAC key (hex): MACs checked and made")
    parser.add_argument("--zpk", type=bytes.fromhex, help="the zone PIN key (hex): PIN blocks read")
    parser.add_argument("--mac", choices=["x9.19", "x9.9"], default="x9.19")
    parser.add_argument("--dialect", choices=["default", "cup"], default="default")
    parser.add_argument("--seen", type=argparse.FileType("w"),
                        help="write a line per 0100 and 0200 answered: MTI, STAN, DE7, DE41 and the response code")
    options = parser.parse_args()
    if options.dialect == "cup":
        global spec
        spec = cup_spec()
    if options.zak is not None and len(options.zak) == 8:
        options.zak = options.zak * 2
    zpk = options.zpk * 2 if options.zpk is not None and len(options.zpk) == 8 else options.zpk
    with open(options.cards) as handle:
        book = Book(json.load(handle), options.year, options.defect, zpk)
    context = None
    if options.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(options.cert, options.key)
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(options.client_ca)
        if options.tls12:
            context.maximum_version = ssl.TLSVersion.TLSv1_2
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", options.port))
    listener.listen(16)
    print("port %d" % listener.getsockname()[1], flush=True)
    while True:
        raw, _ = listener.accept()
        threading.Thread(target=handshake_and_serve, args=(raw, context, book, options), daemon=True).start()


def handshake_and_serve(raw, context, book, options):
    """The TLS handshake on the connection's own thread: a client slow to finish one (or
    one that never does) holds up no other connection."""
    try:
        connection = context.wrap_socket(raw, server_side=True) if context else raw
    except (OSError, ssl.SSLError) as error:
        print("handshake failed: %s" % error, file=sys.stderr, flush=True)
        raw.close()
        return
    serve(connection, book, options)


if __name__ == "__main__":
    main()
