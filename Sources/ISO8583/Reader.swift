/// Reads forward through a frame, never past its end.
struct Reader {
    let bytes: UnsafeBufferPointer<UInt8>
    var offset = 0

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    @inline(__always)
    mutating func take(_ count: Int, field: Int?) throws(ISO8583Error) -> UnsafeBufferPointer<UInt8> {
        guard count <= bytes.count - offset else {
            throw ISO8583Error(field: field, offset: offset, reason: .truncated(needed: count, available: bytes.count - offset))
        }
        defer { offset += count }
        return UnsafeBufferPointer(rebasing: bytes[offset..<(offset + count)])
    }
}
