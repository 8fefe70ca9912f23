/// An ISO 8583 message: its type indicator and the values of its data elements.
///
/// Values are kept as the bytes of their content (the digits of a numeric field, the
/// characters of a text field, the raw bytes of a binary field), without length prefixes
/// and independent of the dialect that carries them. All values of a message live in one
/// byte buffer with a table of where each field is, so a message costs two allocations,
/// not one per field.
public struct ISOMessage: Sendable {
    /// The message type indicator, four digits (`0200`).
    public var mti: MTI
    /// Bytes a dialect puts before the MTI (a TPDU and message header), kept as they came.
    public var header: [UInt8]
    var storage: [UInt8]
    /// Per field number 0...128: offset << 32 | length, or `absent`.
    var spans: [UInt64]
    var liveBytes: Int

    static let absent = UInt64.max

    /// Makes a message with no fields.
    public init(mti: MTI, header: [UInt8] = []) {
        self.mti = mti
        self.header = header
        storage = []
        spans = [UInt64](repeating: ISOMessage.absent, count: 129)
        liveBytes = 0
    }

    /// Makes an empty message whose value buffer has room for `capacity` bytes.

    init(mti: MTI, header: [UInt8], capacity: Int) {
        self.mti = mti
        self.header = header
        storage = []
        storage.reserveCapacity(capacity)
        spans = [UInt64](repeating: ISOMessage.absent, count: 129)
        liveBytes = 0
    }

    /// The numbers of the fields present, in ascending order.
    public var fieldNumbers: [Int] { (2...128).filter { spans[$0] != ISOMessage.absent } }

    /// Whether the field is present.

    public func has(_ field: Int) -> Bool { field >= 0 && field <= 128 && spans[field] != ISOMessage.absent }

    /// The text of a field, or nil when it is absent. Setting nil removes it.
    public subscript(field: Int) -> String? {
        get { withValue(field) { String(decoding: $0, as: UTF8.self) } }
        set {
            if let newValue {
                var text = newValue
                text.withUTF8 { setValue(field, $0) }
            } else {
                remove(field)
            }
        }
    }

    /// The raw bytes of a field, or nil when it is absent.
    public func bytes(_ field: Int) -> [UInt8]? { withValue(field) { Array($0) } }

    /// Sets the raw bytes of a field (for binary fields); nil removes it.
    public mutating func setBytes(_ field: Int, _ bytes: [UInt8]?) {
        guard let bytes else { remove(field); return }
        bytes.withUnsafeBufferPointer { setValue(field, $0) }
    }

    /// Calls `body` with the bytes of a field without copying them; nil when absent.

    public func withValue<R>(_ field: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R? {
        guard field >= 0, field <= 128 else { return nil }
        let span = spans[field]
        guard span != ISOMessage.absent else { return nil }
        let offset = Int(span >> 32), length = Int(span & 0xFFFF_FFFF)
        return try storage.withUnsafeBufferPointer { buffer in
            try body(UnsafeBufferPointer(rebasing: buffer[offset..<(offset + length)]))
        }
    }

    /// Sets a field from bytes.

    public mutating func setValue(_ field: Int, _ value: UnsafeBufferPointer<UInt8>) {
        precondition(field >= 0 && field <= 128, "ISO 8583 has fields 0 to 128, not \(field)")
        let old = spans[field]
        if old != ISOMessage.absent { liveBytes -= Int(old & 0xFFFF_FFFF) }
        spans[field] = UInt64(storage.count) << 32 | UInt64(value.count)
        storage.append(contentsOf: value)
        liveBytes += value.count
        if storage.count > 256 && storage.count > liveBytes * 2 { compact() }
    }

    /// Removes a field.
    public mutating func remove(_ field: Int) {
        guard has(field) else { return }
        liveBytes -= Int(spans[field] & 0xFFFF_FFFF)
        spans[field] = ISOMessage.absent
    }

    /// Drops the bytes of values that were replaced.
    private mutating func compact() {
        var packed: [UInt8] = []
        packed.reserveCapacity(liveBytes)
        for field in 0...128 where spans[field] != ISOMessage.absent {
            let offset = Int(spans[field] >> 32), length = Int(spans[field] & 0xFFFF_FFFF)
            spans[field] = UInt64(packed.count) << 32 | UInt64(length)
            packed.append(contentsOf: storage[offset..<(offset + length)])
        }
        storage = packed
    }
}

extension ISOMessage: Equatable {
    /// Two messages are equal when they have the same MTI, header and field values.
    public static func == (lhs: ISOMessage, rhs: ISOMessage) -> Bool {
        guard lhs.mti == rhs.mti, lhs.header == rhs.header else { return false }
        for field in 0...128 {
            let left = lhs.withValue(field) { Array($0) }
            let right = rhs.withValue(field) { Array($0) }
            if left != right { return false }
        }
        return true
    }
}

extension ISOMessage: CustomStringConvertible {
    /// One line with the MTI and every field, the PAN masked.
    public var description: String {
        var parts = [mti.rawValue]
        for number in fieldNumbers {
            parts.append("\(number)=\(displayValue(number))")
        }
        return parts.joined(separator: " ")
    }

    /// A field's value as it may be printed: PANs masked, binary fields in hex.
    public func displayValue(_ number: Int, dictionary: FieldDictionary = .iso1987, reveal: Bool = false) -> String {
        guard let raw = bytes(number) else { return "" }
        if dictionary[number]?.type == .b { return Hex.encode(raw) }
        let text = String(decoding: raw, as: UTF8.self)
        if !reveal, number == 2 || number == 34 { return PAN.mask(text) }
        if !reveal, number == 35 { return PAN.mask(String(text.prefix { $0 != "=" && $0 != "D" })) + "=****" }
        if !reveal, number == 45 { return "****" }
        return text
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
