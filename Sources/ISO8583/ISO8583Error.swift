/// A message that could not be packed or unpacked, with where and why.
public struct ISO8583Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong.
    public enum Reason: Sendable, Equatable {
        /// The frame ended before the part being read.
        case truncated(needed: Int, available: Int)
        /// The MTI is not four digits.
        case invalidMTI
        /// A hex bitmap has a character that is not a hex digit.
        case invalidBitmap
        /// A length prefix is not a number.
        case invalidLength
        /// A variable field is longer than its maximum.
        case tooLong(length: Int, maximum: Int)
        /// A character the field's type does not allow.
        case invalidCharacter(UInt8)
        /// The bitmap names a field the dialect does not define.
        case undefinedField
        /// Bytes are left after the last field.
        case trailingBytes(Int)
        /// A fixed field's value has the wrong length.
        case wrongLength(length: Int, expected: Int)
        /// The header before the MTI does not have the dialect's length.
        case wrongHeader(length: Int, expected: Int)
        /// The MAC does not match the message.
        case macMismatch
    }

    /// The data element being read, or nil for the header, the MTI and the bitmaps.
    public var field: Int?
    /// The byte offset in the message (after any length header) where it went wrong.
    public var offset: Int
    /// What went wrong.
    public var reason: Reason

    /// Makes an error.
    public init(field: Int?, offset: Int, reason: Reason) {
        self.field = field
        self.offset = offset
        self.reason = reason
    }

    /// One sentence: where, and what.
    public var description: String {
        let place = field.map { $0 == 1 ? "secondary bitmap" : "field \($0)" } ?? "before the fields"
        let what: String
        switch reason {
        case .truncated(let needed, let available):
            what = "message ends early: needs \(needed) bytes, \(available) left"
        case .invalidMTI: what = "MTI is not four digits"
        case .invalidBitmap: what = "bitmap is not hexadecimal"
        case .invalidLength: what = "length prefix is not a number"
        case .tooLong(let length, let maximum): what = "length \(length) is over the maximum \(maximum)"
        case .invalidCharacter(let byte): what = "byte 0x\(String(byte, radix: 16, uppercase: true).leftPadded(to: 2)) is not allowed"
        case .undefinedField: what = "the bitmap names a field the dialect does not define"
        case .trailingBytes(let count): what = "\(count) bytes left after the last field"
        case .wrongLength(let length, let expected): what = "value has \(length) characters, the field takes \(expected)"
        case .wrongHeader(let length, let expected): what = "header has \(length) bytes, the dialect takes \(expected)"
        case .macMismatch: what = "the MAC does not match the message"
        }
        return "\(place) at offset \(offset): \(what)"
    }
}
