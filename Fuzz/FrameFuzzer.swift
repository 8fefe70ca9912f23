// Coverage-guided fuzzing (libFuzzer) of what a system under test can send PayLab: the
// framings that cut a TCP stream into messages, and the codec that reads each message in
// every built-in dialect. Built with the ISO8583 sources as one module by `Fuzz/run`:
//
//   swiftc -sanitize=fuzzer,address -parse-as-library Sources/ISO8583/*.swift Fuzz/FrameFuzzer.swift
//
// A crash, a trap, a hang (libFuzzer's -timeout) or memory past -rss_limit_mb is a finding.

/// The framings a link can be configured with, the first input byte picks one.
let framings: [Framing] = [
    Framing(length: .binary2), Framing(length: .bcd2), Framing(length: .ascii4), Framing(length: .none),
    Framing(length: .binary2, includesLength: true), Framing(length: .ascii4, includesLength: true),
    Framing(length: .binary2, tpdu: [0x60, 0x00, 0x01, 0x00, 0x00]),
    Framing(length: .bcd2, includesLength: true, tpdu: [0x60, 0x00, 0x03, 0x00, 0x00], header: [0x60, 0x31, 0x00, 0x31, 0x01, 0x01]),
]
let codecs = Dialect.builtIn.keys.sorted().map { MessageCodec(dialect: Dialect.builtIn[$0]!) }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let framing = framings[Int(data[0]) % framings.count]
    var stream = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    // Cut the stream as a connection would, then read each message in every dialect; a
    // message that decodes is packed again and must decode to the same message.
    while !stream.isEmpty {
        guard let next = try? framing.next(in: stream) else { break }
        precondition(next.consumed > 0 && next.consumed <= stream.count, "a frame took \(next.consumed) of \(stream.count) bytes")
        stream.removeFirst(next.consumed)
        for codec in codecs {
            guard let message = try? codec.unpack(next.frame.message) else { continue }
            if let packed = try? codec.pack(message) {
                let again = try? codec.unpack(packed)
                precondition(again == message, "\(codec.dialect.name): a message read, written and read again changed: \(message)")
            }
        }
        // What was read frames again into what it was.
        if let framed = try? framing.frame(next.frame.message) {
            _ = try? framing.next(in: framed)
        }
    }
    return 0
}
