#!/usr/bin/env python3
"""A peer PayLab did not write: pyiso8583 with its ISO 8583:1987 `default` specification
(ASCII MTI, binary bitmap, ASCII numbers and lengths), the same encoding as PayLab's
default dialect.

  pyiso8583_peer.py decode HEX    -> JSON {"t": MTI, "2": ..., ...} (binary fields in hex)
  pyiso8583_peer.py encode JSON   -> HEX
"""
import json
import sys

import iso8583
from iso8583.specs import default as spec


def main():
    command, argument = sys.argv[1], sys.argv[2]
    if command == "decode":
        decoded, _ = iso8583.decode(bytes.fromhex(argument), spec)
        out = {}
        for key, value in decoded.items():
            if key in ("p", "1") or key.startswith("bm"):
                continue
            out[key] = value.upper() if spec[key]["data_enc"] == "b" else value
        print(json.dumps(out, sort_keys=True))
    elif command == "encode":
        # pyiso8583 takes binary fields as hex text, as PayLab's JSON writes them.
        message = json.loads(argument)
        raw, _ = iso8583.encode(message, spec)
        print(bytes(raw).hex().upper())
    else:
        sys.exit("usage: decode HEX | encode JSON")


if __name__ == "__main__":
    main()
