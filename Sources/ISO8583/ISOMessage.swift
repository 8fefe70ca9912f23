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
    /// Which of fields 0...128 are present, a bit each: fields 0-63, 64-127, and 128.
    var present: (UInt64, UInt64, UInt64) = (0, 0, 0)
    /// For each field present, in ascending order of field number: offset << 32 | length.
    /// Only present fields take room: a message is copied and changed at every hop.
    var spans: [UInt64]
    var liveBytes: Int

    /// The bytes a message built field by field first takes room for: a purchase's values.
    static let firstRoom = 192

    /// Makes a message with no fields.
    public init(mti: MTI, header: [UInt8] = []) {
        self.mti = mti
        self.header = header
        storage = []
        spans = []
        liveBytes = 0
    }

    /// Makes an empty message whose value buffer has room for `capacity` bytes.

    init(mti: MTI, header: [UInt8], capacity: Int) {
        self.mti = mti
        self.header = header
        storage = []
        storage.reserveCapacity(capacity)
        spans = []
        spans.reserveCapacity(24)
        liveBytes = 0
    }

    @inline(__always)
    private func word(_ index: Int) -> UInt64 {
        switch index {
        case 0: present.0
        case 1: present.1
        default: present.2
        }
    }

    @inline(__always)
    private mutating func flip(_ field: Int) {
        let bit = UInt64(1) << UInt64(field & 63)
        switch field >> 6 {
        case 0: present.0 ^= bit
        case 1: present.1 ^= bit
        default: present.2 ^= bit
        }
    }

    /// Whether field `field` (0...128) is present.
    @inline(__always)
    func isPresent(_ field: Int) -> Bool { word(field >> 6) >> UInt64(field & 63) & 1 != 0 }

    /// Where a field's span is (or goes) in `spans`: the number of present fields before it.
    @inline(__always)
    private func rank(_ field: Int) -> Int {
        var count = 0
        if field >= 64 { count += present.0.nonzeroBitCount }
        if field >= 128 { count += present.1.nonzeroBitCount }
        let below = (UInt64(1) << UInt64(field & 63)) &- 1
        return count + (word(field >> 6) & below).nonzeroBitCount
    }

    /// Whether any of fields 65...127 is present (then a MAC goes in 128, not 64).
    var hasFieldsPast64: Bool { present.1 & ~1 != 0 }

    /// Calls `body` with each present field's number and span, in ascending order.
    @inline(__always)
    func forEachSpan<Failure: Error>(_ body: (Int, UInt64) throws(Failure) -> Void) throws(Failure) {
        var index = 0
        for wordIndex in 0..<3 {
            let base = wordIndex << 6
            var bits = word(wordIndex)
            while bits != 0 {
                let bit = bits.trailingZeroBitCount
                bits &= bits &- 1
                try body(base + bit, spans[index])
                index += 1
            }
        }
    }

    /// The numbers of the fields present, in ascending order.
    public var fieldNumbers: [Int] {
        var numbers: [Int] = []
        numbers.reserveCapacity(spans.count)
        forEachSpan { number, _ in if number >= 2 { numbers.append(number) } }
        return numbers
    }

    /// Whether the field is present.

    public func has(_ field: Int) -> Bool { field >= 0 && field <= 128 && isPresent(field) }

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
        guard field >= 0, field <= 128, isPresent(field) else { return nil }
        let span = spans[rank(field)]
        let offset = Int(span >> 32), length = Int(span & 0xFFFF_FFFF)
        return try storage.withUnsafeBufferPointer { buffer in
            try body(UnsafeBufferPointer(rebasing: buffer[offset..<(offset + length)]))
        }
    }

    /// Sets a field from bytes.

    public mutating func setValue(_ field: Int, _ value: UnsafeBufferPointer<UInt8>) {
        precondition(field >= 0 && field <= 128, "ISO 8583 has fields 0 to 128, not \(field)")
        // A message built field by field (a request, an answer) takes room for a purchase's
        // values at its first field, not a buffer doubled six times on the way.
        if storage.capacity == 0 { storage.reserveCapacity(Self.firstRoom) }
        let span = UInt64(storage.count) << 32 | UInt64(value.count)
        storage.append(contentsOf: value)
        setSpan(field, span)
        if storage.count > 256 && storage.count > liveBytes * 2 { compact() }
    }

    /// Records where a field's value is in `storage` (the codec appends values in field order).
    mutating func setSpan(_ field: Int, _ span: UInt64) {
        let index = rank(field)
        if isPresent(field) {
            liveBytes -= Int(spans[index] & 0xFFFF_FFFF)
            spans[index] = span
        } else {
            flip(field)
            if spans.capacity == 0 { spans.reserveCapacity(24) }
            if index == spans.count { spans.append(span) } else { spans.insert(span, at: index) }
        }
        liveBytes += Int(span & 0xFFFF_FFFF)
    }

    /// Removes a field.
    public mutating func remove(_ field: Int) {
        guard has(field) else { return }
        let index = rank(field)
        liveBytes -= Int(spans[index] & 0xFFFF_FFFF)
        spans.remove(at: index)
        flip(field)
    }

    /// Drops the bytes of values that were replaced.
    private mutating func compact() {
        var packed: [UInt8] = []
        packed.reserveCapacity(liveBytes)
        for index in spans.indices {
            let offset = Int(spans[index] >> 32), length = Int(spans[index] & 0xFFFF_FFFF)
            spans[index] = UInt64(packed.count) << 32 | UInt64(length)
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
    /// The string with `pad` (zero unless told) put in front up to `width` characters: the
    /// one padding helper of every layer that can import ISO8583.
    public func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
