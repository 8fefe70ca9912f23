/// One BER-TLV data object, as EMV puts them in field 55 (tag `9F02` amount, `5F2A`
/// currency, `95` TVR and so on).
public struct BERTLV: Sendable, Equatable, CustomStringConvertible {
    /// The tag bytes (one to three).
    public var tag: [UInt8]
    /// The value bytes.
    public var value: [UInt8]

    /// Makes a data object.
    public init(tag: [UInt8], value: [UInt8]) {
        self.tag = tag
        self.value = value
    }

    /// The tag in hex (`9F02`).
    public var tagHex: String { Hex.encode(tag) }

    /// Whether the value holds further data objects (bit 6 of the first tag byte).
    public var isConstructed: Bool { (tag.first ?? 0) & 0x20 != 0 }

    /// `9F02=000000010000`.
    public var description: String { "\(tagHex)=\(Hex.encode(value))" }

    /// What can be wrong in BER-TLV bytes.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        /// Where in the bytes.
        public var offset: Int
        /// What.
        public var problem: String
        public var description: String { "BER-TLV at offset \(offset): \(problem)" }
    }

    /// The data objects in these bytes, in order; `00` and `FF` padding between them is skipped.
    public static func parse(_ bytes: [UInt8]) throws(ParseError) -> [BERTLV] {
        var objects: [BERTLV] = []
        var offset = 0
        while offset < bytes.count {
            if bytes[offset] == 0x00 || bytes[offset] == 0xFF { offset += 1; continue }
            let tagStart = offset
            var tag = [bytes[offset]]
            offset += 1
            if tag[0] & 0x1F == 0x1F {
                repeat {
                    guard offset < bytes.count else { throw ParseError(offset: offset, problem: "tag ends early") }
                    tag.append(bytes[offset])
                    offset += 1
                } while tag.last! & 0x80 != 0 && tag.count < 4
                if tag.last! & 0x80 != 0 { throw ParseError(offset: tagStart, problem: "tag longer than four bytes") }
            }
            guard offset < bytes.count else { throw ParseError(offset: offset, problem: "no length after tag \(Hex.encode(tag))") }
            var length = Int(bytes[offset])
            offset += 1
            if length & 0x80 != 0 {
                let count = length & 0x7F
                guard (1...3).contains(count), count <= bytes.count - offset else {
                    throw ParseError(offset: offset - 1, problem: "bad long-form length for tag \(Hex.encode(tag))")
                }
                length = 0
                for _ in 0..<count { length = length << 8 | Int(bytes[offset]); offset += 1 }
            }
            guard length <= bytes.count - offset else {
                throw ParseError(offset: offset, problem: "tag \(Hex.encode(tag)) says \(length) bytes, \(bytes.count - offset) left")
            }
            objects.append(BERTLV(tag: tag, value: Array(bytes[offset..<(offset + length)])))
            offset += length
        }
        return objects
    }

    /// The bytes of data objects, one after another.
    public static func encode(_ objects: [BERTLV]) -> [UInt8] {
        var out: [UInt8] = []
        for object in objects {
            out += object.tag
            let length = object.value.count
            if length < 0x80 {
                out.append(UInt8(length))
            } else if length <= 0xFF {
                out += [0x81, UInt8(length)]
            } else {
                out += [0x82, UInt8(length >> 8), UInt8(length & 0xFF)]
            }
            out += object.value
        }
        return out
    }
}

extension ISOMessage {
    /// Field 55 as EMV data objects; nil when absent.
    public func emvData() throws(BERTLV.ParseError) -> [BERTLV]? {
        guard let bytes = bytes(55) else { return nil }
        return try BERTLV.parse(bytes)
    }

    /// Sets field 55 from EMV data objects.
    public mutating func setEMVData(_ objects: [BERTLV]) {
        setBytes(55, BERTLV.encode(objects))
    }
}
