public import Foundation

/// A dialect described in a file, so a user can add one without writing Swift.
///
/// ```json
/// {"name": "acme-host", "base": "default", "bitmap": "hex",
///  "fields": [{"number": 48, "type": "ans", "length": "lllvar", "max": 999, "name": "Acme data"}]}
/// ```
/// Every key but `name` is optional: the encodings default to those of `base` (itself
/// `default` when left out), and `fields` replace or add entries of its field table.
public struct DialectFile: Codable, Sendable {
    /// One field of the table.
    public struct Field: Codable, Sendable {
        /// 2 to 128.
        public var number: Int
        /// `n`, `a`, `an`, `ans`, `ns`, `b`, `z` or `x+n`.
        public var type: String
        /// `fixed`, `llvar` or `lllvar`.
        public var length: String
        /// The fixed length, or the maximum of a variable one.
        public var max: Int
        /// A name for people.
        public var name: String?
    }

    public var name: String
    public var base: String?
    public var mti: Dialect.Encoding?
    public var bitmap: Dialect.BinaryEncoding?
    public var numbers: Dialect.Encoding?
    public var lengths: Dialect.Encoding?
    public var binaryFields: Dialect.BinaryEncoding?
    public var alignment: Dialect.Alignment?
    public var headerLength: Int?
    public var fields: [Field]?

    enum CodingKeys: String, CodingKey {
        case name, base, mti, bitmap, numbers, lengths, alignment, fields
        case binaryFields = "binary_fields"
        case headerLength = "header_length"
    }

    /// A problem with a dialect description.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The dialect this file describes.
    public func dialect() throws(Problem) -> Dialect {
        let baseName = base ?? "default"
        guard var dialect = Dialect.builtIn[baseName] else {
            throw Problem(description: "unknown base dialect '\(baseName)' (built in: \(Dialect.builtIn.keys.sorted().joined(separator: ", ")))")
        }
        dialect.name = name
        if let mti { dialect.mti = mti }
        if let bitmap { dialect.bitmap = bitmap }
        if let numbers { dialect.numbers = numbers }
        if let lengths { dialect.lengths = lengths }
        if let binaryFields { dialect.binaryFields = binaryFields }
        if let alignment { dialect.alignment = alignment }
        if let headerLength {
            guard (0...64).contains(headerLength) else { throw Problem(description: "header_length \(headerLength) is not 0 to 64") }
            dialect.headerLength = headerLength
        }
        var definitions: [FieldDefinition] = []
        for field in fields ?? [] {
            guard (2...128).contains(field.number), field.number != 65 || field.type == "b" else {
                throw Problem(description: "field \(field.number): numbers run from 2 to 128")
            }
            guard let type = FieldType(rawValue: field.type) else {
                throw Problem(description: "field \(field.number): unknown type '\(field.type)' (n, a, an, ans, ns, b, z, x+n)")
            }
            let length: LengthFormat
            switch field.length {
            case "fixed": length = .fixed(field.max)
            case "llvar": length = .llvar(max: field.max)
            case "lllvar": length = .lllvar(max: field.max)
            default: throw Problem(description: "field \(field.number): length '\(field.length)' is not fixed, llvar or lllvar")
            }
            let limit = field.length == "llvar" ? 99 : 999
            guard field.max >= 1, field.max <= limit else {
                throw Problem(description: "field \(field.number): max \(field.max) does not fit \(field.length) (1 to \(limit))")
            }
            definitions.append(FieldDefinition(field.number, field.name ?? "Field \(field.number)", type, length))
        }
        dialect.dictionary = dialect.dictionary.overriding(definitions)
        return dialect
    }

    /// Reads a JSON description.
    public static func load(json data: Data) throws(Problem) -> Dialect {
        let file: DialectFile
        do {
            file = try JSONDecoder().decode(DialectFile.self, from: data)
        } catch {
            throw Problem(description: "not a dialect description: \(error)")
        }
        return try file.dialect()
    }
}
