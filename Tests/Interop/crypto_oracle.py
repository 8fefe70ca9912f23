"""Payment cryptography by libraries PayLab did not write: psec (MACs, PIN blocks, check
values, 3DES, the stripe's CVV/CVN), pyemv (EMV key derivations and cryptograms) and pycryptodome (DES, and the
UnionPay POS ECB MAC written from its specification here). Reads a JSON list of requests on standard input, prints a JSON list of
answers in the same order, every byte string in upper-case hex."""
import json
import sys
import warnings

warnings.filterwarnings("ignore")
import psec  # noqa: E402
from Crypto.Cipher import DES, DES3  # noqa: E402
from pyemv import ac, kd  # noqa: E402


def h(text):
    return bytes.fromhex(text)


def ecb(key, data, decrypt=False):
    """DES for a single-length key, 3DES EDE for a double or triple one (pycryptodome)."""
    if len(key) == 8:
        cipher = DES.new(key, DES.MODE_ECB)
    else:
        cipher = DES3.new(key if len(key) == 24 else key + key[:8], DES3.MODE_ECB) if key[:8] != key[8:16] else DES.new(key[:8], DES.MODE_ECB)
    return cipher.decrypt(data) if decrypt else cipher.encrypt(data)


def pad(data, method):
    return psec.mac.pad_iso_1(data, 8) if method == 1 else psec.mac.pad_iso_2(data, 8)


def cup_ecb(key, data, method):
    """UnionPay POS terminal MAC ("ECB" algorithm), from the UnionPay POS terminal specification."""
    data = pad(data, method)
    folded = bytes(8)
    for start in range(0, len(data), 8):
        folded = bytes(a ^ b for a, b in zip(folded, data[start:start + 8]))
    text = folded.hex().upper().encode()
    first = ecb(key, text[:8])
    second = ecb(key, bytes(a ^ b for a, b in zip(first, text[8:])))
    return second.hex().upper()[:8].encode()


def answer(request):
    kind = request["kind"]
    if kind == "cvv":
        return psec.cvv.generate_cvv(h(request["key"]), request["pan"], request["expiry"], request["service_code"])
    if kind == "kcv":
        return psec.des.generate_kcv(h(request["key"]), 4).hex().upper()
    if kind == "encrypt":
        key = h(request["key"])
        if len(key) == 8:
            return ecb(key, h(request["data"])).hex().upper()
        return psec.des.encrypt_tdes_ecb(key, h(request["data"])).hex().upper()
    if kind == "mac":
        key, data, method = h(request["key"]), h(request["data"]), request["padding"]
        if request["algorithm"] == "x9.9":
            return psec.mac.generate_cbc_mac(key[:8], data, method).hex().upper()
        if request["algorithm"] == "x9.19":
            right = key[8:16] if len(key) >= 16 else key[:8]
            return psec.mac.generate_retail_mac(key[:8], right, data, method).hex().upper()
        return cup_ecb(key, data, method).hex().upper()
    if kind == "pinblock":
        clear = psec.pinblock.encode_pinblock_iso_0(request["pin"], request["pan"])
        if "key" in request:
            return psec.des.encrypt_tdes_ecb(h(request["key"]), clear).hex().upper() if len(request["key"]) > 16 else ecb(h(request["key"]), clear).hex().upper()
        return clear.hex().upper()
    if kind == "pin":
        block = h(request["block"])
        if "key" in request:
            block = ecb(h(request["key"]), block, decrypt=True)
        return psec.pinblock.decode_pinblock_iso_0(block, request["pan"])
    if kind == "icc_mk":
        return kd.derive_icc_mk_a(h(request["imk"]), request["pan"], request["psn"]).hex().upper()
    if kind == "session_key":
        return kd.derive_common_sk(h(request["mk"]), h(request["r"])).hex().upper()
    if kind == "ac":
        return ac.generate_ac(h(request["sk"]), h(request["data"]), ac.PaddingType.EMV).hex().upper()
    if kind == "arpc1":
        return ac.generate_arpc_1(h(request["sk"]), h(request["arqc"]), h(request["arc"])).hex().upper()
    raise ValueError(kind)


print(json.dumps([answer(request) for request in json.load(sys.stdin)]))
