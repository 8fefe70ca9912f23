import Foundation
import Testing
import TestSupport
@testable import ISO8583

/// Two more dialects against py8583, a second codec we did not write. Each PayLab dialect
/// here is described in a dialect file, as a user would describe their host's encoding.
@Suite("Interop with py8583")
struct Py8583InteropTests {
    static let script = "Tests/Interop/py8583_peer.py"

    /// py8583's IsoSpec1987ASCII: a hex bitmap and binary fields as hex text.
    static let ascii = #"{"name": "py8583-ascii", "bitmap": "hex", "binary_fields": "hex"}"#
    /// py8583's IsoSpec1987BCD: BCD MTI, numbers and lengths, right-aligned; it reads DE49 as text.
    static let bcd = #"""
        {"name": "py8583-bcd", "mti": "bcd", "numbers": "bcd", "lengths": "bcd", "alignment": "right",
         "fields": [{"number": 49, "type": "an", "length": "fixed", "max": 3, "name": "Currency code, transaction"}]}
        """#

    func message() -> ISOMessage { SampleMessages.purchase() }

    func peer(_ arguments: [String]) async throws -> String {
        try await ExternalTool.run(["python3", Self.script] + arguments, hint: "pip install py8583").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("py8583 reads what PayLab packs, and PayLab reads what py8583 packs, byte for byte", arguments: [("ascii", ascii), ("bcd", bcd)])
    func bothWays(spec: String, description: String) async throws {
        let codec = MessageCodec(dialect: try DialectFile.load(json: Data(description.utf8)))
        let ours = message()
        let bytes = try codec.pack(ours)
        let decoded = try JSONSerialization.jsonObject(with: Data(try await peer([spec, "decode", Hex.encode(bytes)]).utf8)) as! [String: String]
        #expect(decoded["t"] == "0200")
        for number in ours.fieldNumbers {
            #expect(decoded[String(number)] == ours[number], "field \(number) in \(spec)")
        }
        var document: [String: String] = ["t": ours.mti.rawValue]
        for number in ours.fieldNumbers { document[String(number)] = ours[number]! }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: document), as: UTF8.self)
        let theirs = try #require(Hex.decode(try await peer([spec, "encode", json])))
        #expect(try codec.unpack(theirs) == ours)
        // The same bytes, but for the case of the hex bitmaps (MTI, then 32 characters): py8583 writes them in lowercase.
        var folded = theirs
        if spec == "ascii" {
            for index in 4..<36 where folded[index] >= 0x61 && folded[index] <= 0x66 { folded[index] -= 0x20 }
        }
        #expect(folded == bytes)
    }
}
