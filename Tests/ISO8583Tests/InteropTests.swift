import Foundation
import Testing
import TestSupport
@testable import ISO8583

/// Runs the pyiso8583 peer.
func runPeer(_ arguments: [String]) async throws -> String {
    try await ExternalTool.run(arguments, hint: "the interop tests need python3 with pyiso8583: pip install pyiso8583")
        .trimmingCharacters(in: .whitespacesAndNewlines)
}

/// PayLab's default dialect against pyiso8583, a codec we did not write, both ways.
@Suite("Interop with pyiso8583")
struct InteropTests {
    static let script = "Tests/Interop/pyiso8583_peer.py"

    func message() -> ISOMessage {
        var message = SampleMessages.purchase()
        message.setBytes(52, [0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x02, 0x03, 0x04])
        message.setEMVData([BERTLV(tag: [0x9F, 0x02], value: [0, 0, 0, 1, 0, 0])])
        return message
    }

    @Test("pyiso8583 reads every field of a message PayLab packed")
    func theyReadUs() async throws {
        let bytes = try MessageCodec().pack(message())
        let json = try await runPeer(["python3", Self.script, "decode", Hex.encode(bytes)])
        let decoded = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: String]
        #expect(decoded["t"] == "0200")
        let ours = message()
        for number in ours.fieldNumbers {
            let expected = number == 52 || number == 55 ? Hex.encode(ours.bytes(number)!) : ours[number]!
            #expect(decoded[String(number)] == expected, "field \(number)")
        }
        #expect(decoded.count == ours.fieldNumbers.count + 1)
    }

    @Test("PayLab reads, byte for byte, a message pyiso8583 packed")
    func weReadThem() async throws {
        let ours = message()
        var document: [String: String] = ["t": ours.mti.rawValue]
        for number in ours.fieldNumbers {
            document[String(number)] = number == 52 || number == 55 ? Hex.encode(ours.bytes(number)!) : ours[number]!
        }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: document), as: UTF8.self)
        let hex = try await runPeer(["python3", Self.script, "encode", json])
        let theirs = try #require(Hex.decode(hex))
        #expect(try MessageCodec().unpack(theirs) == ours)
        #expect(try MessageCodec().pack(ours) == theirs)
    }
}
