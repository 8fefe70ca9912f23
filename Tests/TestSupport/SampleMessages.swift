public import ISO8583

/// Messages the interop tests send to codecs we did not write.
public enum SampleMessages {
    /// A 0200 with the fields every peer knows: numbers, text, LLVAR, DE90 and a secondary bitmap.
    public static func purchase() -> ISOMessage {
        var message = ISOMessage(mti: "0200")
        message[2] = "6222020000000001"
        message[3] = "000000"
        message[4] = "000000010000"
        message[7] = "1127103000"
        message[11] = "123456"
        message[12] = "183000"
        message[13] = "1127"
        message[22] = "021"
        message[25] = "00"
        message[32] = "48020000"
        message[37] = "000012345678"
        message[41] = "T0000001"
        message[42] = "898440354110001"
        message[49] = "156"
        message[90] = "020012345611271030000000480200000000000000"
        message[103] = "6214830000000001"
        return message
    }
}
