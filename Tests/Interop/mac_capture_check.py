"""Checks every MAC of a captured run with psec, PayLab's code nowhere in the loop.

Reads JSON on standard input: {"frames": [hex of each frame, length header included],
"zaks": {link: ZAK hex}, "zpks": {link: ZPK hex}, "tmks": {terminal: TMK hex}}. Each 0810 with DE62 gives a terminal's
working keys: decrypted under its TMK with psec and checked against their check values. Every
frame but network management must carry a DE64 (or DE128) that is the ANSI X9.19 MAC (psec's
retail MAC, ISO 9797-1 padding 1) under one of the ZAKs or a MAK issued before it. Prints
{"macs": {key name: frames}, "unmatched": [...], "management_with_mac": n, "issued": [...],
"pins": [{"key": name, "pin": PIN}] for each DE52, read under the key that decrypts it to a
format-0 block (psec's decode_pinblock_iso_0), "unreadable_pins": n}."""
import json
import sys
import warnings

warnings.filterwarnings("ignore")
import iso8583  # noqa: E402
from iso8583.specs import default as spec  # noqa: E402
import psec  # noqa: E402

request = json.load(sys.stdin)
keys = {name: bytes.fromhex(key) for name, key in request["zaks"].items()}
pin_keys = {name: bytes.fromhex(key) for name, key in request.get("zpks", {}).items()}
tmks = {terminal: bytes.fromhex(key) for terminal, key in request["tmks"].items()}
result = {"macs": {}, "unmatched": [], "management_with_mac": 0, "issued": [], "pins": [], "unreadable_pins": 0}


def des(key):
    """psec's 3DES wants a double or triple key: a single-length one as K K."""
    return key + key if len(key) == 8 else key


def read_pin(block, pan):
    for name, key in pin_keys.items():
        try:
            pin = psec.pinblock.decode_pinblock_iso_0(psec.des.decrypt_tdes_ecb(des(key), block), pan)
        except ValueError:
            continue
        return {"key": name.split(" #")[0], "pin": pin}
    return None

for number, text in enumerate(request["frames"]):
    frame = bytes.fromhex(text)[2:]
    decoded, _ = iso8583.decode(frame, spec)
    mti = decoded["t"]
    has_mac = "64" in decoded or "128" in decoded
    if mti.startswith("08"):
        if has_mac:
            result["management_with_mac"] += 1
        if mti == "0810" and "62" in decoded and decoded.get("39") == "00":
            terminal = decoded["41"]
            block = bytes.fromhex(decoded["62"])
            width = 8 if len(block) == 24 else 16
            issued = []
            for index, name in enumerate(["PIK", "MAK", "TDK"][: len(block) // (width + 4)]):
                start = index * (width + 4)
                key = psec.des.decrypt_tdes_ecb(des(tmks[terminal]), block[start:start + width])
                carried = block[start + width:start + width + 4]
                computed = psec.des.generate_kcv(des(key), 4)
                issued.append({"key": name, "length": len(key), "kcv_matches": carried == computed})
                if name == "MAK":
                    keys["MAK %s #%d" % (terminal, number)] = key
                if name == "PIK":
                    pin_keys["PIK %s #%d" % (terminal, number)] = key
            result["issued"].append({"terminal": terminal, "keys": issued})
        continue
    if "52" in decoded:
        found = read_pin(bytes.fromhex(decoded["52"]), decoded["2"])
        if found:
            result["pins"].append(found)
        else:
            result["unreadable_pins"] += 1
    if not has_mac:
        result["unmatched"].append({"frame": number, "mti": mti, "why": "no MAC"})
        continue
    body, carried = frame[:-8], frame[-8:]
    matched = [name for name, key in keys.items()
               if psec.mac.generate_retail_mac(key[:8], key[8:16] if len(key) > 8 else key[:8], body, 1) == carried]
    if not matched:
        result["unmatched"].append({"frame": number, "mti": mti, "why": "no key's X9.19 MAC is " + carried.hex().upper()})
    for name in matched:
        label = name.split(" #")[0]
        result["macs"][label] = result["macs"].get(label, 0) + 1

print(json.dumps(result))
