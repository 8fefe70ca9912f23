#!/usr/bin/env python3
"""A POS test robot PayLab did not write: it follows `paylab certify pos --print-cases --json` case
by case, as a UnionPay POS application would, over Python's ssl module with pyiso8583, psec (keys,
MACs, PIN blocks, track 2 from the suite) and pyemv (its chip card's ARQC, and its check of the
issuer's ARPC).

  pos_robot.py --cases CASES.json --port N [--ca ca.pem --cert sut.pem --key sut-key.pem]
               [--dialect default|cup] --tmk HEX [--defect no-reversal|no-mac|no-arqc]

It prints one JSON line per case ({"case", "answers": [DE39 ...]}). What a POS must do, it does:
a purchase with no answer within its timeout (--wait, 5 s) is reversed (0400, DE39 98) before
anything else; an answer whose MAC does not verify is not taken: it signs on again for new keys,
then reverses (A0); an approval whose ARPC the card does not verify is reversed (06); a
settlement answered with reconciliation code 2 is followed by the batch upload (0320 each) and
its end (0320, DE60.3 207). --defect plants a POS's mistake: no reversal after a missing answer,
no MAC on its requests, or a DE55 without 9F26."""
import argparse
import json
import socket
import sys
import warnings
from datetime import datetime, timezone

warnings.filterwarnings("ignore")
import iso8583  # noqa: E402
import psec  # noqa: E402
from iso8583.specs import default as spec  # noqa: E402
from pyemv import ac, kd, tlv  # noqa: E402

from cup_spec import cup_spec  # noqa: E402
from pos_client import connect, cup_mac, read_exact  # noqa: E402

TAGS = ["9F02", "9F03", "9F1A", "95", "5F2A", "9A", "9C", "9F37", "82", "9F36"]
CVR = bytes.fromhex("03A00000")


class Robot:
    def __init__(self, stream, options, suite):
        self.stream, self.options, self.suite = stream, options, suite
        self.spec = cup_spec() if options.dialect == "cup" else spec
        self.prefix = bytes.fromhex("6000030000603100000000") if options.dialect == "cup" else b""
        self.algorithm = "cup-ecb" if options.dialect == "cup" else "x9.19"
        self.cards = {card["name"]: card for card in suite["cards"]}
        self.atc = {card["name"]: card.get("chip", {}).get("atc", 1) for card in suite["cards"]}
        self.stan, self.batch_number = 100, 1
        self.pik = self.mak = None
        self.done = {}          # case id -> (request, answer)
        self.batch = []         # approved requests of the open batch: (kind, amount, request)

    # -- the wire
    def mac(self, data):
        if self.algorithm == "cup-ecb":
            return cup_mac(self.mak, data)
        return psec.mac.generate_retail_mac(self.mak[:8], self.mak[8:16] if len(self.mak) > 8 else self.mak[:8], data, 1)

    def write(self, message):
        signed = message["t"][:2] != "08" and self.mak is not None and self.options.defect != "no-mac"
        if signed:
            message["64"] = "00" * 8
        raw, _ = iso8583.encode(message, self.spec)
        body = bytes(raw)
        if signed:
            body = body[:-8] + self.mac(body[:-8])
        body = self.prefix + body
        if self.options.trace:
            print("sent", body.hex(), file=sys.stderr, flush=True)
        self.stream.sendall(len(body).to_bytes(2, "big") + body)

    def read(self, wait):
        self.stream.settimeout(wait)
        try:
            size = int.from_bytes(read_exact(self.stream, 2), "big")
        except (socket.timeout, TimeoutError):
            return None, None
        finally:
            self.stream.settimeout(30)
        frame = read_exact(self.stream, size)[len(self.prefix):]
        answer, _ = iso8583.decode(frame, self.spec)
        mac_ok = None
        if ("64" in answer or "128" in answer) and self.mak is not None:
            mac_ok = self.mac(frame[:-8]) == frame[-8:]
        return answer, mac_ok

    def exchange(self, message):
        self.write(message)
        return self.read(self.options.wait)

    # -- messages
    def base(self, mti, code, amount=None, card=None):
        self.stan += 1
        now = datetime.now(timezone.utc)
        message = {"t": mti, "3": code, "7": now.strftime("%m%d%H%M%S"), "11": "%06d" % self.stan,
                   "12": now.strftime("%H%M%S"), "13": now.strftime("%m%d"), "25": "00",
                   "41": self.suite["terminal"], "42": self.suite["merchant"], "49": "156"}
        if amount is not None:
            message["4"] = "%012d" % round(float(amount) * 100)
        if card is not None:
            message.update({"2": card["pan"], "14": card["expiry"]})
        return message

    def read_card(self, message, card, entry, pin):
        """The card into the request: its chip (DE55 with pyemv's ARQC, DE23), or its stripe (DE35), and the PIN."""
        chip = card.get("chip") if entry in ("chip", "contactless") else None
        session = None
        if chip:
            self.atc[card["name"]] += 1
            atc = (self.atc[card["name"]] - 1).to_bytes(2, "big")
            today = datetime.now(timezone.utc)
            data = {"9F02": bytes.fromhex(message.get("4", "0" * 12)), "9F03": bytes(6), "9F1A": bytes.fromhex("0156"),
                    "95": bytes(5), "5F2A": bytes.fromhex("0156"), "9A": bytes.fromhex(today.strftime("%y%m%d")), "9C": b"\x00",
                    "9F37": bytes.fromhex(message["11"]) + atc[1:], "82": bytes.fromhex("7C00"), "9F36": atc}
            mk = kd.derive_icc_mk_a(bytes.fromhex(chip["imk"]), card["pan"], chip["psn"])
            sk = kd.derive_common_sk(mk, atc + bytes(6))
            arqc = ac.generate_ac(sk, b"".join(data[tag] for tag in TAGS) + CVR, ac.PaddingType.EMV)
            objects = {"9F26": arqc, "9F27": b"\x80", "9F10": bytes.fromhex("070101") + CVR}
            objects.update(data)
            if self.options.defect == "no-arqc":
                objects.pop("9F26")
            message["55"] = tlv.encode(objects).hex().upper()
            message["22"] = "072" if entry == "contactless" else "052"
            message["23"] = "0" + chip["psn"]
            session = (sk, arqc)
        else:
            message["22"] = "802" if entry == "fallback" else "022"
            message["35"] = card["track2"] if self.options.dialect != "cup" else card["track2"].replace("=", "D")
        if pin and self.pik is not None:
            pik = self.pik if len(self.pik) > 8 else self.pik + self.pik
            message.update({"22": message["22"][:2] + "1", "26": "12", "53": "2600000000000000",
                            "52": psec.des.encrypt_tdes_ecb(pik, psec.pinblock.encode_pinblock_iso_0(pin, card["pan"])).hex().upper()})
        return session

    def sign_on(self):
        self.stan += 1
        message = {"t": "0800", "11": "%06d" % self.stan, "41": self.suite["terminal"], "42": self.suite["merchant"]}
        if self.options.dialect == "cup":
            message.update({"60": "00%06d003" % self.batch_number, "63": "01 "})
        else:
            message.update({"7": datetime.now(timezone.utc).strftime("%m%d%H%M%S"), "70": "001"})
        answer, _ = self.exchange(message)
        if answer and "62" in answer:
            tmk = bytes.fromhex(self.options.tmk)
            tmk = tmk if len(tmk) > 8 else tmk + tmk
            block = bytes.fromhex(answer["62"])
            width = 8 if len(block) == 24 else 16
            self.pik, self.mak = [psec.des.decrypt_tdes_ecb(tmk, block[i * (width + 4):i * (width + 4) + width]) for i in range(2)]
        return answer

    def reverse(self, request, reason):
        reversal = {key: value for key, value in request.items() if key in ("2", "3", "4", "7", "11", "12", "13", "14", "22", "25", "41", "42", "49")}
        reversal.update({"t": "0400", "39": reason})
        if self.options.dialect == "cup":
            reversal["60"] = request.get("60", "22%06d" % self.batch_number)
        return self.exchange(reversal)[0]

    def send(self, message, session=None, kind="debit"):
        """A request: the answer taken, or the reversal a POS owes."""
        if self.options.dialect == "cup":
            message["60"] = "22%06d" % self.batch_number
        answer, mac_ok = self.exchange(message)
        self.last = (message, answer)
        if answer is None:
            if self.options.defect != "no-reversal":
                self.reverse(message, "98")
            return [None]
        if mac_ok is False:
            self.sign_on()
            return [answer.get("39"), self.reverse(message, "A0").get("39")]
        code = answer.get("39")
        if session and code == "00":
            data = tlv.decode(bytes.fromhex(answer.get("55", "")), simple=True) if "55" in answer else {}
            tag91 = data.get("91", b"")
            if len(tag91) != 10 or ac.generate_arpc_1(session[0], session[1], tag91[8:]) != tag91[:8]:
                return [code, self.reverse(message, "06").get("39")]
        if code == "00" and kind != "none":
            self.batch.append((kind, int(message.get("4", "0")), message, answer))
        return [code]

    # -- what a case asks
    def follow(self, case):
        action = case["do"]
        card = self.cards.get(case.get("card", ""))
        if action == "sign_on":
            answer = self.sign_on()
            return [answer.get("39") if answer else None]
        if action in ("purchase", "preauth", "inquire"):
            mti, code, kind = {"purchase": ("0200", "000000", "debit"), "preauth": ("0100", "030000", "none"),
                               "inquire": ("0200", "310000", "none")}[action]
            message = self.base(mti, code, case.get("amount"), card)
            if action == "preauth":
                message["25"] = "06"
            session = self.read_card(message, card, case.get("entry", "chip" if card.get("chip") else "stripe"), case.get("pin"))
            codes = self.send(message, session, kind)
            self.done[case["id"]] = self.last
            return codes
        if action == "settle":
            return self.settle()
        original, answered = self.done[case["of"]]
        answered = answered or {}
        date = original["13"]
        if action == "void":
            message = self.base("0200", "200000", None, self.cards_of(original))
            message.update({"4": original["4"], "22": original.get("22", "022"), "61": "%06d%s%s" % (self.batch_number, original["11"], date),
                            "37": answered.get("37", "000000000000"), "38": answered.get("38", "000000")})
            codes = self.send(message, kind="none")
            if codes[0] == "00":
                self.batch = [item for item in self.batch if item[2] is not original]
            return codes
        if action == "refund":
            message = self.base("0220", "200000", case["amount"], self.cards_of(original))
            message.update({"61": "%06d%s%s" % (self.batch_number, original["11"], date), "37": answered.get("37", "000000000000")})
            return self.send(message, kind="credit")
        if action == "complete":
            message = self.base("0200", "000000", case["amount"], self.cards_of(original))
            message.update({"25": "06", "61": "000000000000" + date, "37": answered.get("37", "000000000000"), "38": answered.get("38", "000000")})
            return self.send(message, kind="debit")
        if action == "cancel":
            message = self.base("0100", "200000", None, self.cards_of(original))
            message.update({"4": original["4"], "25": "06", "61": "000000000000" + date, "37": answered.get("37", "000000000000"), "38": answered.get("38", "000000")})
            return self.send(message, kind="none")
        raise SystemExit("no such instruction: " + action)

    def cards_of(self, request):
        return next(card for card in self.suite["cards"] if card["pan"] == request["2"])

    def settle(self):
        debits = [item for item in self.batch if item[0] == "debit"]
        credits = [item for item in self.batch if item[0] == "credit"]
        totals = "%03d%012d%03d%012d0" % (len(debits), sum(i[1] for i in debits), len(credits), sum(i[1] for i in credits))
        message = self.base("0500", None)
        message.pop("3")
        message.pop("25")
        message.update({"48": totals + "000%012d000%012d0" % (0, 0), "60": "00%06d201" % self.batch_number})
        answer, _ = self.exchange(message)
        codes = [answer.get("39") if answer else None]
        if answer and answer.get("48", "")[30:31] == "2":
            for kind, amount, request, answered in self.batch:
                upload = {key: value for key, value in request.items() if key in ("2", "3", "4", "11", "12", "13", "14", "22", "25", "41", "42", "49")}
                self.stan += 1
                upload.update({"t": "0320", "11": "%06d" % self.stan, "37": answered.get("37", "000000000000")})
                codes.append((self.exchange(upload)[0] or {}).get("39"))
            end = self.base("0320", None)
            for key in ("3", "12", "13", "25", "49"):
                end.pop(key, None)
            end.update({"48": "%04d" % len(self.batch), "60": "00%06d207" % self.batch_number})
            codes.append((self.exchange(end)[0] or {}).get("39"))
        if answer and answer.get("39") == "00":
            self.batch, self.batch_number = [], self.batch_number + 1
        return codes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ca")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--dialect", choices=["default", "cup"], default="default")
    parser.add_argument("--tmk", required=True)
    parser.add_argument("--wait", type=float, default=5.0)
    parser.add_argument("--defect", choices=["no-reversal", "no-mac", "no-arqc"])
    parser.add_argument("--trace", action="store_true", help="print each frame sent, in hex, on standard error")
    options = parser.parse_args()
    with open(options.cases) as handle:
        suite = json.load(handle)
    stream = connect(options, timeout=30)
    robot = Robot(stream, options, suite)
    for case in suite["cases"]:
        codes = robot.follow(case)
        print(json.dumps({"case": case["id"], "answers": codes}), flush=True)
    stream.close()


if __name__ == "__main__":
    main()
