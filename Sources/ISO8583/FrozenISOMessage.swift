/// A message as a node keeps it for later (its journal's copy of a request or an answer):
/// one buffer holding the MTI, the header, which fields are present, and each value after its
/// length. A long load run keeps hundreds of thousands of them while their purchases wait for
/// a payout; a live `ISOMessage` is two buffers (values and a span table of 8 bytes a field)
/// and some 70 bytes inline, which a frozen one packs into one buffer and 8 bytes. Reading one
/// thaws it into a live message (about the cost of one unpack without its checks), so it
/// suits what is read a few times in a purchase's life, not at every hop.
public struct FrozenISOMessage: Sendable, Equatable {
    private let bytes: [UInt8]

    /// Freezes `message`: only its live values are kept.
    public init(_ message: ISOMessage) {
        let mti = message.mti.rawValue.utf8
        var out: [UInt8] = []
        out.reserveCapacity(mti.count + message.header.count + message.liveBytes + 2 * message.spans.count + 32)
        Self.appendLength(mti.count, to: &out)
        out.append(contentsOf: mti)
        Self.appendLength(message.header.count, to: &out)
        out.append(contentsOf: message.header)
        Self.appendLength(message.liveBytes, to: &out)
        let (low, high, last) = message.present
        out.append((low != 0 ? 1 : 0) | (high != 0 ? 2 : 0) | (last != 0 ? 4 : 0))
        func append(_ word: UInt64) {
            guard word != 0 else { return }
            for shift in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        append(low)
        append(high)
        append(last)
        message.storage.withUnsafeBufferPointer { storage in
            message.forEachSpan { _, span in
                let offset = Int(span >> 32), length = Int(span & 0xFFFF_FFFF)
                Self.appendLength(length, to: &out)
                out.append(contentsOf: UnsafeBufferPointer(rebasing: storage[offset..<(offset + length)]))
            }
        }
        bytes = out
    }

    /// The message, live again: its values in one buffer exactly their size.
    public var message: ISOMessage {
        bytes.withUnsafeBufferPointer { buffer in
            var position = 0
            func length() -> Int {
                var value = 0, shift = 0
                while true {
                    let byte = buffer[position]
                    position += 1
                    value |= Int(byte & 0x7F) << shift
                    if byte < 0x80 { return value }
                    shift += 7
                }
            }
            func take(_ count: Int) -> UnsafeBufferPointer<UInt8> {
                defer { position += count }
                return UnsafeBufferPointer(rebasing: buffer[position..<(position + count)])
            }
            let mti = String(decoding: take(length()), as: UTF8.self)
            let headerCount = length()
            let header = headerCount == 0 ? [] : Array(take(headerCount))
            var message = ISOMessage(mti: MTI(mti), header: header)
            let live = length()
            let mask = buffer[position]
            position += 1
            var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
            func word(_ index: Int) -> UInt64 {
                guard mask & (1 << index) != 0 else { return 0 }
                return take(8).reversed().reduce(0) { $0 << 8 | UInt64($1) }
            }
            words.0 = word(0)
            words.1 = word(1)
            words.2 = word(2)
            message.present = words
            let count = words.0.nonzeroBitCount + words.1.nonzeroBitCount + words.2.nonzeroBitCount
            message.spans.reserveCapacity(count)
            message.storage.reserveCapacity(live)
            for _ in 0..<count {
                let value = take(length())
                message.spans.append(UInt64(message.storage.count) << 32 | UInt64(value.count))
                message.storage.append(contentsOf: value)
            }
            message.liveBytes = live
            return message
        }
    }

    /// The bytes it takes (its buffer's contents; the buffer adds a header of its own).
    public var byteCount: Int { bytes.count }

    /// A length as 7 bits a byte, low bits first, the top bit set on all but the last.
    private static func appendLength(_ value: Int, to out: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            out.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        out.append(UInt8(value))
    }
}
