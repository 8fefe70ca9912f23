#!/usr/bin/env python3
"""A second peer PayLab did not write: py8583, with its ISO 8583:1987 specifications
IsoSpec1987ASCII (hex-ASCII bitmap, ASCII numbers and lengths, binary fields as hex) and
IsoSpec1987BCD (BCD MTI, numbers and lengths, binary bitmap, right-aligned digits).

  py8583_peer.py ascii|bcd decode HEX   -> JSON {"t": MTI, "2": ..., ...}
  py8583_peer.py ascii|bcd encode JSON  -> HEX

py8583 reads numeric fields as integers; this script writes them back zero-padded to the
field's length, so both sides compare text. (py8583 checks a binary field's hex text
against its length in bytes, so fixed binary fields cannot be set through it.)
"""
import binascii
import json
import sys

from py8583.py8583 import Iso8583, LT
from py8583.py8583spec import IsoSpec1987ASCII, IsoSpec1987BCD


def spec(name):
    return IsoSpec1987ASCII() if name == "ascii" else IsoSpec1987BCD()


def main():
    which, command, argument = sys.argv[1], sys.argv[2], sys.argv[3]
    s = spec(which)
    if command == "decode":
        message = Iso8583(binascii.unhexlify(argument), s)
        out = {"t": message.MTI()}
        for field in range(2, 129):
            if message.Field(field) == 1:
                value = message.FieldData(field)
                if s.ContentType(field) == "n" and s.LengthType(field) == LT.FIXED:
                    value = str(value).zfill(s.MaxLength(field))
                out[str(field)] = str(value)
        print(json.dumps(out, sort_keys=True))
    elif command == "encode":
        doc = json.loads(argument)
        message = Iso8583(IsoSpec=s)
        message.MTI(doc.pop("t"))
        for key, value in doc.items():
            field = int(key)
            message.Field(field, 1)
            message.FieldData(field, int(value) if s.ContentType(field) == "n" else value)
        print(binascii.hexlify(message.BuildIso()).decode().upper())
    else:
        sys.exit("usage: ascii|bcd decode HEX | encode JSON")


if __name__ == "__main__":
    main()
