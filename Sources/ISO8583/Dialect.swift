/// A wire encoding of ISO 8583: how the MTI, the bitmap, numbers and lengths are written.
///
/// A dialect is a value, not a fork of the codec: the same pack and unpack code reads
/// every dialect.
public struct Dialect: Sendable {
    /// How the four digits of the message type indicator are written.
    public enum MTIEncoding: String, Sendable { case ascii }
    /// How the bitmaps are written.
    public enum BitmapEncoding: String, Sendable {
        /// Eight raw bytes per bitmap.
        case binary
    }
    /// How numeric values and LL/LLL length prefixes are written.
    public enum NumberEncoding: String, Sendable { case ascii }

    /// A short name (`default`).
    public var name: String
    /// The encoding of the MTI.
    public var mti: MTIEncoding
    /// The encoding of the bitmaps.
    public var bitmap: BitmapEncoding
    /// The encoding of numeric fields.
    public var numbers: NumberEncoding
    /// The encoding of length prefixes.
    public var lengths: NumberEncoding
    /// The data elements.
    public var dictionary: FieldDictionary

    /// Makes a dialect.
    public init(
        name: String, mti: MTIEncoding, bitmap: BitmapEncoding, numbers: NumberEncoding,
        lengths: NumberEncoding, dictionary: FieldDictionary
    ) {
        self.name = name
        self.mti = mti
        self.bitmap = bitmap
        self.numbers = numbers
        self.lengths = lengths
        self.dictionary = dictionary
    }

    /// ISO 8583:1987 with an ASCII MTI, binary bitmaps, ASCII numbers and lengths: the
    /// encoding Wireshark's `iso8583` dissector and the common open-source codecs read.
    public static let `default` = Dialect(
        name: "default", mti: .ascii, bitmap: .binary, numbers: .ascii, lengths: .ascii,
        dictionary: .iso1987
    )
}
