"""UnionPay POS's packed ISO 8583 (PayLab's `cup` dialect) in pyiso8583's terms: BCD MTI, binary
bitmap, BCD numbers (odd lengths left-aligned) and BCD lengths, track 2 in BCD (its separator the
nibble D), DE49 an3, DE60 n..100, DE61 n..29 and DE62 b..512 as LLLVAR. The TPDU and header before the MTI are the caller's."""
import copy

from iso8583.specs import default as spec


def bcd(digits=None, length=0, maximum=None):
    """A BCD numeric field: fixed `digits`, or a BCD length of `length` bytes up to `maximum`."""
    return {"data_enc": "b", "len_enc": "bcd", "len_type": length, "max_len": digits or maximum,
            "len_count": "nibbles", "right_pad": "0", "desc": ""}


def cup_spec():
    """UnionPay POS: what PayLab's `cup` dialect writes, in pyiso8583's terms."""
    cup = copy.deepcopy(spec)
    cup["t"] = {"data_enc": "b", "len_enc": "ascii", "len_type": 0, "max_len": 2, "desc": "MTI"}
    for field, digits in {"3": 6, "4": 12, "7": 10, "11": 6, "12": 6, "13": 4, "14": 4, "15": 4, "18": 4, "22": 3, "23": 3, "25": 2, "26": 2,
                          "53": 16, "70": 3, "90": 42}.items():
        cup[field] = bcd(digits)
    cup["2"] = bcd(length=1, maximum=19)
    cup["32"] = bcd(length=1, maximum=11)
    cup["35"] = bcd(length=1, maximum=37)   # track 2: the separator is the nibble D
    cup["61"] = bcd(length=2, maximum=29)
    cup["48"] = bcd(length=2, maximum=322)
    cup["55"] = {"data_enc": "b", "len_enc": "bcd", "len_type": 2, "max_len": 255, "desc": "ICC data"}
    cup["54"] = {"data_enc": "ascii", "len_enc": "bcd", "len_type": 2, "max_len": 120, "desc": "Balances"}
    cup["60"] = bcd(length=2, maximum=100)
    cup["49"] = {"data_enc": "ascii", "len_enc": "ascii", "len_type": 0, "max_len": 3, "desc": "Currency (an3)"}
    cup["62"] = {"data_enc": "b", "len_enc": "bcd", "len_type": 2, "max_len": 512, "desc": "Keys"}
    cup["63"] = {"data_enc": "ascii", "len_enc": "bcd", "len_type": 2, "max_len": 163, "desc": "Operator"}
    cup["103"] = {"data_enc": "ascii", "len_enc": "bcd", "len_type": 1, "max_len": 28, "desc": "Account"}
    return cup
