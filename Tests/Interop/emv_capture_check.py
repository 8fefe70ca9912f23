"""Checks every chip cryptogram of a captured run with pyemv, PayLab's code nowhere in the loop.

Reads JSON on standard input: {"frames": [hex of each frame, length header included],
"cards": {PAN: {"imk": HEX, "psn": "01"}}}. Each request with DE55 must carry in 9F26 the ARQC
pyemv computes (ICC master key by option A, the common session key of 9F36, algorithm 3 with
EMV padding over the CDOL data and the CVR in 9F10); each answer with DE55 tag 91 must carry the
ARPC (method 1) of one of those ARQCs and the ARC after it; each batch upload's transaction
certificate (9F27 40) the AC over the same data followed by the ARC (8A). Prints {"arqcs": n,
"arqc_mismatches": [...], "arpcs": n, "arpc_mismatches": [...], "tcs": n, "tc_mismatches": [...]}."""
import json
import sys
import warnings

warnings.filterwarnings("ignore")
import iso8583  # noqa: E402
from iso8583.specs import default as spec  # noqa: E402
from pyemv import ac, kd, tlv  # noqa: E402

TAGS = ["9F02", "9F03", "9F1A", "95", "5F2A", "9A", "9C", "9F37", "82", "9F36"]
request = json.load(sys.stdin)
result = {"arqcs": 0, "arqc_mismatches": [], "arpcs": 0, "arpc_mismatches": [], "tcs": 0, "tc_mismatches": []}
sessions = []   # (session key, ARQC) of every request whose ARQC verified

frames = [iso8583.decode(bytes.fromhex(text)[2:], spec)[0] for text in request["frames"]]
for message in frames:
    # Requests: the MTI's third digit is even (0200, 0100, 0220), answers odd (0210 ...).
    if "55" not in message or int(message["t"][2]) % 2 == 1:
        continue
    data = tlv.decode(bytes.fromhex(message["55"]), simple=True)
    if "9F26" not in data:
        continue
    card = request["cards"][message["2"]]
    mk = kd.derive_icc_mk_a(bytes.fromhex(card["imk"]), message["2"], message.get("23", "0" + card["psn"])[-2:])
    sk = kd.derive_common_sk(mk, data["9F36"] + bytes(6))
    if data.get("9F27") == b"\x40":
        # A transaction certificate in the batch upload: the same data followed by the ARC (8A).
        expected = ac.generate_ac(sk, b"".join(data[tag] for tag in TAGS) + data["9F10"][3:7] + data["8A"], ac.PaddingType.EMV)
        result["tcs"] += 1
        if expected != data["9F26"]:
            result["tc_mismatches"].append({"stan": message["11"], "carried": data["9F26"].hex(), "pyemv": expected.hex()})
        continue
    expected = ac.generate_ac(sk, b"".join(data[tag] for tag in TAGS) + data["9F10"][3:7], ac.PaddingType.EMV)
    result["arqcs"] += 1
    if expected != data["9F26"]:
        result["arqc_mismatches"].append({"stan": message["11"], "carried": data["9F26"].hex(), "pyemv": expected.hex()})
    else:
        sessions.append((sk, data["9F26"]))
for message in frames:
    if "55" not in message or int(message["t"][2]) % 2 == 0:
        continue
    data = tlv.decode(bytes.fromhex(message["55"]), simple=True)
    if "91" not in data:
        continue
    arpc, arc = data["91"][:8], data["91"][8:]
    result["arpcs"] += 1
    if not any(ac.generate_arpc_1(sk, arqc, arc) == arpc for sk, arqc in sessions):
        result["arpc_mismatches"].append({"stan": message["11"], "carried": data["91"].hex()})
print(json.dumps(result))
