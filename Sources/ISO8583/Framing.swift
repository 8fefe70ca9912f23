/// How messages are cut out of a TCP stream and put back into one: a length header, an
/// optional TPDU, and optional header bytes before the MTI. A value, not code: a link's
/// framing is data in a scenario, like jPOS's channel classes (`NACChannel`, `ASCIIChannel`,
/// `BCDChannel`) made into one configurable type.
///
/// A frame is `length header · TPDU · header · message`. The length counts what follows
/// it, or itself too when `includesLength` is set. On an answer the TPDU's destination and
/// source addresses are swapped, as a POS host does it.
public struct Framing: Sendable, Hashable, CustomStringConvertible {
    /// The length header's form.
    public enum Length: String, Sendable, CaseIterable {
        /// Two bytes, big-endian binary (up to 65535): the most common.
        case binary2
        /// Two bytes of packed BCD (up to 9999).
        case bcd2
        /// Four ASCII digits (up to 9999).
        case ascii4
        /// No header: each read from the connection is one message (as on some leased lines).
        case none

        /// The bytes the header takes.
        public var size: Int {
            switch self {
            case .binary2, .bcd2: 2
            case .ascii4: 4
            case .none: 0
            }
        }

        /// The largest value the header can carry.
        public var maximum: Int {
            switch self {
            case .binary2: 65535
            case .bcd2, .ascii4: 9999
            case .none: Int.max
            }
        }
    }

    /// The length header.
    public var length: Length
    /// Whether the length counts the header's own bytes.
    public var includesLength: Bool
    /// A 5-byte TPDU (`60` id, destination, source) before the message, or nil.
    public var tpdu: [UInt8]?
    /// Bytes between the TPDU and the MTI (a message header), sent as they are and skipped on receipt.
    public var header: [UInt8]

    /// Makes a framing.
    public init(length: Length = .binary2, includesLength: Bool = false, tpdu: [UInt8]? = nil, header: [UInt8] = []) {
        self.length = length
        self.includesLength = includesLength
        self.tpdu = tpdu
        self.header = header
    }

    /// PayLab's own links: a 2-byte binary length, nothing else.
    public static let standard = Framing()

    /// The largest frame a receiver accepts with no length header: a read is at most this.
    public static let unframedLimit = 8192

    /// Why bytes are not a frame.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// A message cut out of the stream, with the TPDU and header it came with.
    public struct Frame: Sendable, Equatable {
        public var tpdu: [UInt8]
        public var header: [UInt8]
        public var message: [UInt8]
    }

    public var description: String {
        var parts = [length.rawValue]
        if includesLength { parts.append("includes_length") }
        if let tpdu { parts.append("tpdu \(Hex.encode(tpdu))") }
        if !header.isEmpty { parts.append("header \(Hex.encode(header))") }
        return parts.joined(separator: ", ")
    }

    /// The TPDU an answer carries: the request's with destination and source swapped.
    public static func swapped(_ tpdu: [UInt8]) -> [UInt8] {
        guard tpdu.count == 5 else { return tpdu }
        return [tpdu[0], tpdu[3], tpdu[4], tpdu[1], tpdu[2]]
    }

    /// A message with its length header, TPDU and header; `answer` swaps the TPDU's addresses.
    public func frame(_ message: [UInt8], answer: Bool = false) throws(Problem) -> [UInt8] {
        let bodyCount = (tpdu?.count ?? 0) + header.count + message.count
        let value = bodyCount + (includesLength ? length.size : 0)
        guard value <= length.maximum else {
            throw Problem("a message of \(message.count) bytes does not fit a \(length.rawValue) length header (at most \(length.maximum))")
        }
        // One buffer, written once: this runs for every frame a node sends.
        var out: [UInt8] = []
        out.reserveCapacity(length.size + bodyCount)
        switch length {
        case .binary2: out.append(UInt8(value >> 8)); out.append(UInt8(value & 0xFF))
        case .bcd2:
            let nibbles = String(value).leftPadded(to: 4).utf8.map { $0 - 0x30 }
            out.append(nibbles[0] << 4 | nibbles[1]); out.append(nibbles[2] << 4 | nibbles[3])
        case .ascii4: out.append(contentsOf: String(value).leftPadded(to: 4).utf8)
        case .none: break
        }
        if let tpdu { out.append(contentsOf: answer ? Self.swapped(tpdu) : tpdu) }
        out.append(contentsOf: header)
        out.append(contentsOf: message)
        return out
    }

    /// The next frame at the start of `bytes`: nil when more bytes are needed, else the
    /// frame and how many bytes it took. A zero length (a keep-alive) gives an empty message.
    /// (Specialized for the raw bytes a connection's buffer lends: this runs for every frame.)
    @_specialize(exported: true, where Bytes == UnsafeRawBufferPointer)
    public func next<Bytes: RandomAccessCollection<UInt8>>(in bytes: Bytes) throws(Problem) -> (frame: Frame, consumed: Int)? {
        let start = bytes.startIndex
        let total: Int
        switch length {
        case .none:
            guard !bytes.isEmpty else { return nil }
            total = min(bytes.count, Self.unframedLimit)
        default:
            guard bytes.count >= length.size else { return nil }
            func head() -> [UInt8] { Array(bytes[start..<bytes.index(start, offsetBy: length.size)]) }
            // The usual two binary bytes are read in place; the others through their text.
            let value = length == .binary2 ? Int(bytes[start]) << 8 | Int(bytes[bytes.index(after: start)]) : try Self.lengthValue(head(), length)
            if includesLength, value < length.size, value != 0 {
                throw Problem("length header \(Hex.encode(head())) says \(value) bytes, less than the header itself (\(length.size)), though it counts itself")
            }
            let bodyLength = value == 0 ? 0 : value - (includesLength ? length.size : 0)
            total = length.size + bodyLength
            guard bytes.count >= total else { return nil }
            if bodyLength == 0 { return (Frame(tpdu: [], header: [], message: []), total) }
        }
        let body = Array(bytes[bytes.index(start, offsetBy: length.size)..<bytes.index(start, offsetBy: total)])
        let prefix = (tpdu?.count ?? 0) + header.count
        guard body.count > prefix else {
            throw Problem("a frame of \(body.count) bytes has no room for its \(tpdu == nil ? "" : "5-byte TPDU")\(tpdu != nil && !header.isEmpty ? " and " : "")\(header.isEmpty ? "" : "\(header.count)-byte header") and a message")
        }
        guard prefix > 0 else { return (Frame(tpdu: [], header: [], message: body), total) }
        let tpduLength = tpdu?.count ?? 0
        return (Frame(tpdu: Array(body[0..<tpduLength]), header: Array(body[tpduLength..<prefix]), message: Array(body[prefix...])), total)
    }

    /// The number a length header carries, or a problem naming the bytes.
    static func lengthValue(_ head: [UInt8], _ length: Length) throws(Problem) -> Int {
        switch length {
        case .binary2:
            return Int(head[0]) << 8 | Int(head[1])
        case .bcd2:
            var value = 0
            for byte in head {
                let high = Int(byte >> 4), low = Int(byte & 0x0F)
                guard high < 10, low < 10 else { throw Problem("length header \(Hex.encode(head)) is not BCD") }
                value = value * 100 + high * 10 + low
            }
            return value
        case .ascii4:
            guard head.allSatisfy({ (0x30...0x39).contains($0) }) else {
                let shown = head.allSatisfy { (0x20...0x7E).contains($0) } ? "'\(String(decoding: head, as: UTF8.self))'" : Hex.encode(head)
                throw Problem("length header \(shown) is not four ASCII digits")
            }
            return Int(String(decoding: head, as: UTF8.self))!
        case .none:
            return 0
        }
    }
}
