import Foundation
import ISO8583
import Testing
@testable import RunCore
@testable import Scenario

@Suite("paylab decode and encode")
struct MessageInspectorTests {
    static let frame = Hex.decode("005230323030702000000080820031363632323230323030303030303030303130303030303030303030303030313030303031323334353654303030303030313135363031349F02060000000100005F2A020156")!

    @Test("decode then encode gives back the same bytes, length header included")
    func roundTrip() throws {
        let (message, hadHeader) = try MessageInspector.decode(Self.frame, dialect: .default)
        #expect(hadHeader)
        let json = MessageInspector.json(message, dialect: .default, reveal: true).rendered()
        #expect(try MessageInspector.encode(json: json, dialect: .default, lengthHeader: true) == Self.frame)
        #expect(try MessageInspector.encode(json: json, dialect: .default, lengthHeader: false) == Array(Self.frame.dropFirst(2)))
    }

    @Test("the PAN is masked unless revealed, in the table and in JSON, and a masked PAN cannot be encoded")
    func masking() throws {
        let (message, _) = try MessageInspector.decode(Self.frame, dialect: .default)
        let table = MessageInspector.table(message, dialect: .default, reveal: false)
        #expect(table.contains("622202******0001"))
        #expect(!table.contains("6222020000000001"))
        #expect(table.contains("tag 9F02"))
        let masked = MessageInspector.json(message, dialect: .default, reveal: false).rendered()
        #expect(masked.contains("\"2\":\"622202******0001\""))
        #expect(throws: MessageInspector.Problem.self) { try MessageInspector.encode(json: masked, dialect: .default, lengthHeader: true) }
        // The errors say what to do: reveal the PAN; give a cup message its TPDU and header.
        do {
            _ = try MessageInspector.encode(json: masked, dialect: .default, lengthHeader: true)
        } catch {
            #expect(error.description == "field 2 is masked ('622202******0001'): give the whole number (paylab decode --json --reveal prints it unmasked)")
        }
        do {
            _ = try MessageInspector.encode(json: #"{"mti": "0200", "fields": {"3": "000000"}}"#, dialect: .unionPayPOS, lengthHeader: true)
            Issue.record("a cup message without its header was encoded")
        } catch {
            #expect(error.description.hasPrefix("the cup dialect puts 11 bytes before the MTI (TPDU and header): give them as \"header\""), "\(error)")
        }
    }

    @Test("a dialect file in YAML changes the encoding, and an unknown dialect is a clear error")
    func yamlDialect() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("paylab-dialect-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("name: acme\nbase: default\nbitmap: hex\nfields:\n  - { number: 48, type: n, length: llvar, max: 10 }\n".utf8)
            .write(to: URL(fileURLWithPath: path))
        let dialect = try MessageInspector.dialect(path)
        #expect(dialect.bitmap == .hex)
        #expect(dialect.dictionary[48]?.type == .n)
        #expect(throws: MessageInspector.Problem.self) { try MessageInspector.dialect("no-such-dialect") }
    }

    @Test("a broken frame names the field and offset")
    func broken() {
        var bytes = Self.frame
        bytes.removeLast(3)
        #expect(throws: MessageInspector.Problem.self) { try MessageInspector.decode(bytes, dialect: .default) }
        do {
            _ = try MessageInspector.decode(Array(bytes.dropFirst(2)), dialect: .default)
            Issue.record("a truncated frame decoded")
        } catch {
            #expect(error.description == "field 55 at offset 68: message ends early: needs 14 bytes, 11 left")
        }
    }
}
