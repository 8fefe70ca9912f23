import Scenario
import Foundation
public import ISO8583

/// `paylab decode` and `paylab encode`: ISO 8583 by hand, in any dialect.
public enum MessageInspector {
    /// A problem with the input.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// A built-in dialect by name, or a dialect file (`.json`, `.yaml`).
    public static func dialect(_ nameOrPath: String) throws(Problem) -> Dialect {
        do {
            return try DialectLoader.resolve(nameOrPath)
        } catch {
            throw Problem(description: error.description)
        }
    }

    /// The message in `bytes`, which may start with the 2-byte length header.
    public static func decode(_ bytes: [UInt8], dialect: Dialect) throws(Problem) -> (message: ISOMessage, lengthHeader: Bool) {
        let codec = MessageCodec(dialect: dialect)
        var body = bytes
        var hasHeader = false
        if bytes.count >= 2, Int(bytes[0]) << 8 | Int(bytes[1]) == bytes.count - 2 {
            body = Array(bytes.dropFirst(2))
            hasHeader = true
        }
        do {
            return (try codec.unpack(body), hasHeader)
        } catch {
            let shift = hasHeader ? " (after the 2-byte length header)" : ""
            throw Problem(description: "\(error)\(shift)")
        }
    }

    /// A table: one row per field with its number, name, length and value.
    public static func table(_ message: ISOMessage, dialect: Dialect, reveal: Bool) -> String {
        var rows: [(String, String, String, String)] = []
        if !message.header.isEmpty { rows.append(("hdr", "TPDU and message header", String(message.header.count), Hex.encode(message.header))) }
        rows.append(("MTI", "Message type indicator", "4", message.mti.rawValue))
        for number in message.fieldNumbers {
            let definition = dialect.dictionary[number]
            let value = message.displayValue(number, dictionary: dialect.dictionary, reveal: reveal)
            rows.append((String(number), definition?.name ?? "?", String(message.bytes(number)?.count ?? 0), value))
            if number == 55, let objects = try? message.emvData() {
                for object in objects { rows.append(("", "  tag \(object.tagHex)", String(object.value.count), Hex.encode(object.value))) }
            }
        }
        let nameWidth = rows.map(\.1.count).max() ?? 0
        return rows.map { row in
            row.0.padding(toLength: 4, withPad: " ", startingAt: 0) + "  " + row.1.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
                + "  " + row.2.rightAligned(3) + "  " + row.3
        }.joined(separator: "\n")
    }

    /// `{"mti": ..., "header": ..., "fields": {"2": ..., ...}}`; binary fields in hex.
    public static func json(_ message: ISOMessage, dialect: Dialect, reveal: Bool) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("mti", .string(message.mti.rawValue))]
        if !message.header.isEmpty { pairs.append(("header", .string(Hex.encode(message.header)))) }
        let fields = message.fieldNumbers.map { number in
            (String(number), JSONValue.string(message.displayValue(number, dictionary: dialect.dictionary, reveal: reveal)))
        }
        pairs.append(("fields", .object(fields)))
        return .object(pairs)
    }

    /// The bytes of the message `paylab decode --json --reveal` printed.
    public static func encode(json text: String, dialect: Dialect, lengthHeader: Bool) throws(Problem) -> [UInt8] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw Problem(description: "the input is not a JSON object like {\"mti\": \"0200\", \"fields\": {\"3\": \"000000\"}}")
        }
        guard let mti = object["mti"] as? String else { throw Problem(description: "\"mti\" is missing or not a string") }
        var header: [UInt8] = []
        if let text = object["header"] as? String {
            guard let bytes = Hex.decode(text) else { throw Problem(description: "\"header\" is not hex") }
            header = bytes
        }
        // A dialect with bytes before the MTI (cup: TPDU and header) needs them given, as decode prints them.
        if dialect.headerLength > 0, header.count != dialect.headerLength {
            throw Problem(description: "the \(dialect.name) dialect puts \(dialect.headerLength) bytes before the MTI (TPDU and header): give them as \"header\": \"<\(dialect.headerLength * 2) hex digits>\", as paylab decode --json prints them (\(header.count) given)")
        }
        var message = ISOMessage(mti: MTI(mti), header: header)
        guard let fields = object["fields"] as? [String: Any] else { throw Problem(description: "\"fields\" is missing or not an object") }
        for (key, raw) in fields {
            guard let number = Int(key), (2...128).contains(number) else { throw Problem(description: "\"\(key)\" is not a field number from 2 to 128") }
            guard let value = raw as? String else { throw Problem(description: "field \(key): the value must be a string") }
            // A masked PAN (decode's default) cannot go on the wire.
            if number == 2 || number == 102 || number == 103, value.contains("*") {
                throw Problem(description: "field \(key) is masked ('\(value)'): give the whole number (paylab decode --json --reveal prints it unmasked)")
            }
            if dialect.dictionary[number]?.type == .b {
                guard let bytes = Hex.decode(value) else { throw Problem(description: "field \(key) is binary: its value must be hex") }
                message.setBytes(number, bytes)
            } else {
                message[number] = value
            }
        }
        do {
            let body = try MessageCodec(dialect: dialect).pack(message)
            guard body.count <= 0xFFFF else { throw Problem(description: "the message is \(body.count) bytes, over the 2-byte length header's limit") }
            return lengthHeader ? [UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body : body
        } catch let error as ISO8583Error {
            throw Problem(description: error.description)
        } catch let problem as Problem {
            throw problem
        } catch {
            throw Problem(description: "\(error)")
        }
    }
}

extension String {
    func rightAligned(_ width: Int) -> String { leftPadded(to: width, with: " ") }
}
