/// A wire encoding of ISO 8583: how the MTI, the bitmaps, numbers, lengths and binary
/// fields are written, what comes before the MTI, and the field table.
///
/// A dialect is a value, not a fork of the codec: the same pack and unpack code reads
/// every dialect, and a user can describe a new one in a file (``DialectFile``).
public struct Dialect: Sendable, Equatable {
    /// ASCII characters or packed BCD (two digits a byte).
    public enum Encoding: String, Sendable, Codable { case ascii, bcd }
    /// Binary bytes or hexadecimal ASCII characters.
    public enum BinaryEncoding: String, Sendable, Codable { case binary, hex }
    /// Where a BCD value with an odd number of digits gets its pad nibble.
    public enum Alignment: String, Sendable, Codable {
        /// Right-aligned: a leading 0 nibble (jPOS `IFB_NUMERIC` with padding).
        case right
        /// Left-aligned: a trailing 0 nibble (左靠右补0, as UnionPay POS terminals send it).
        case left
    }

    /// A short name (`default`).
    public var name: String
    /// The encoding of the MTI: four ASCII digits or two BCD bytes.
    public var mti: Encoding
    /// The encoding of the bitmaps: 8 bytes each, or 16 hex characters each.
    public var bitmap: BinaryEncoding
    /// The encoding of numeric (`n`, `z`, and the digits of `x+n`) fields.
    public var numbers: Encoding
    /// The encoding of LL/LLL length prefixes.
    public var lengths: Encoding
    /// The encoding of binary (`b`) fields.
    public var binaryFields: BinaryEncoding
    /// Where odd-length BCD values are padded.
    public var alignment: Alignment
    /// Bytes before the MTI (TPDU and message header), kept as they are.
    public var headerLength: Int
    /// The data elements.
    public var dictionary: FieldDictionary

    /// Makes a dialect.
    public init(
        name: String, mti: Encoding = .ascii, bitmap: BinaryEncoding = .binary, numbers: Encoding = .ascii,
        lengths: Encoding = .ascii, binaryFields: BinaryEncoding = .binary, alignment: Alignment = .right,
        headerLength: Int = 0, dictionary: FieldDictionary = .iso1987
    ) {
        self.name = name
        self.mti = mti
        self.bitmap = bitmap
        self.numbers = numbers
        self.lengths = lengths
        self.binaryFields = binaryFields
        self.alignment = alignment
        self.headerLength = headerLength
        self.dictionary = dictionary
    }

    /// ISO 8583:1987 with an ASCII MTI, binary bitmaps, ASCII numbers and lengths: the
    /// encoding Wireshark's `iso8583` dissector and the common open-source codecs read.
    public static let `default` = Dialect(name: "default")

    /// The default dialect with each bitmap as 16 hexadecimal ASCII characters.
    public static let hexBitmap = Dialect(name: "hex-bitmap", bitmap: .hex)

    /// The packed form of China UnionPay POS terminals: a 5-byte TPDU and a 6-byte message
    /// header before a BCD MTI, a binary bitmap, BCD numbers and lengths, odd-length
    /// numbers left-aligned; DE49 three ASCII characters, DE60 up to 100 digits.
    public static let unionPayPOS = Dialect(
        name: "cup", mti: .bcd, bitmap: .binary, numbers: .bcd, lengths: .bcd, binaryFields: .binary,
        alignment: .left, headerLength: 11, dictionary: .iso1987.overriding([
            .init(48, "Additional data, private (UnionPay: the settlement's totals and reconciliation codes)", .n, .lllvar(max: 322)),
            .init(49, "Currency code, transaction (UnionPay: an3)", .an, .fixed(3)),
            .init(60, "Reserved, private (UnionPay: 60.1 message type, 60.2 batch, 60.3 network management code, 60.4 on)", .n, .lllvar(max: 100)),
            .init(61, "Reserved, private (UnionPay: original message data)", .n, .lllvar(max: 29)),
            .init(62, "Reserved, private (UnionPay: terminal and key data)", .b, .lllvar(max: 512)),
            .init(63, "Reserved, private (UnionPay: international card organisation code)", .ans, .lllvar(max: 163)),
        ]))

    /// The built-in dialects by name.
    public static let builtIn: [String: Dialect] = ["default": .default, "hex-bitmap": .hexBitmap, "cup": .unionPayPOS]
}
