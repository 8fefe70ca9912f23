/// An ISO 8583 message: its type indicator and the values of its data elements.
///
/// Values are kept as the bytes of their content (the characters of a numeric or text
/// field, the raw bytes of a binary field), without length prefixes.
public struct ISOMessage: Sendable, Equatable {
    /// The message type indicator, four digits (`0200`).
    public var mti: String
    private var values: [Int: [UInt8]]

    /// Makes a message with no fields.
    public init(mti: String) {
        self.mti = mti
        self.values = [:]
    }

    /// The numbers of the fields present, in ascending order.
    public var fieldNumbers: [Int] { values.keys.sorted() }

    /// The text of a field, or nil when it is absent. Setting nil removes it.
    public subscript(field: Int) -> String? {
        get { values[field].map { String(decoding: $0, as: UTF8.self) } }
        set { values[field] = newValue.map { Array($0.utf8) } }
    }

    /// The raw bytes of a field, or nil when it is absent.
    public func bytes(_ field: Int) -> [UInt8]? { values[field] }

    /// Sets the raw bytes of a field (for binary fields).
    public mutating func setBytes(_ field: Int, _ bytes: [UInt8]?) { values[field] = bytes }

    /// Whether the field is present.
    public func has(_ field: Int) -> Bool { values[field] != nil }

    /// The message class and function: `0210` is the response to `0200`.
    public var responseMTI: String {
        var digits = Array(mti.utf8)
        guard digits.count == 4, digits[2] >= UInt8(ascii: "0"), digits[2] < UInt8(ascii: "9") else { return mti }
        digits[2] += 1
        return String(decoding: digits, as: UTF8.self)
    }
}

extension ISOMessage: CustomStringConvertible {
    /// One line with the MTI and every field, the PAN masked.
    public var description: String {
        var parts = [mti]
        for number in fieldNumbers {
            parts.append("\(number)=\(displayValue(number))")
        }
        return parts.joined(separator: " ")
    }

    /// A field's value as it may be printed: PANs masked, binary fields in hex.
    public func displayValue(_ number: Int, reveal: Bool = false) -> String {
        guard let raw = values[number] else { return "" }
        if Dialect.default.dictionary[number]?.type == .b {
            return raw.map { String($0, radix: 16, uppercase: true).leftPadded(to: 2) }.joined()
        }
        let text = String(decoding: raw, as: UTF8.self)
        if !reveal, number == 2 || number == 34 { return PAN.mask(text) }
        if !reveal, number == 35 { return PAN.mask(String(text.prefix { $0 != "=" && $0 != "D" })) + "=****" }
        return text
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
