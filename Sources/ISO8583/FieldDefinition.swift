/// How the characters of a field's value are restricted.
public enum FieldType: String, Sendable, Hashable {
    /// Digits only.
    case n
    /// Letters only.
    case a
    /// Letters and digits.
    case an
    /// Letters, digits and special characters.
    case ans
    /// Digits and special characters.
    case ns
    /// Raw bytes.
    case b
    /// Track 2 characters: digits, `=` and `D`.
    case z
    /// An amount with a sign: `C` (credit) or `D` (debit), then digits.
    case xn = "x+n"
}

/// Whether a field has a fixed length or carries its own length prefix.
public enum LengthFormat: Sendable, Hashable {
    /// Exactly this many characters (bytes for binary fields).
    case fixed(Int)
    /// A two-digit length prefix, then up to this many characters.
    case llvar(max: Int)
    /// A three-digit length prefix, then up to this many characters.
    case lllvar(max: Int)

    /// The longest value the field can hold.
    public var maximum: Int {
        switch self {
        case .fixed(let n), .llvar(let n), .lllvar(let n): return n
        }
    }

    /// The number of digits in the length prefix (0 for fixed fields).
    public var prefixDigits: Int {
        switch self {
        case .fixed: return 0
        case .llvar: return 2
        case .lllvar: return 3
        }
    }
}

/// One data element of an ISO 8583 dictionary.
public struct FieldDefinition: Sendable, Hashable {
    /// The data element number, 2 to 128.
    public var number: Int
    /// The name the standard gives it.
    public var name: String
    /// What characters it may hold.
    public var type: FieldType
    /// Fixed or variable length.
    public var length: LengthFormat

    /// Makes a definition.
    public init(_ number: Int, _ name: String, _ type: FieldType, _ length: LengthFormat) {
        self.number = number
        self.name = name
        self.type = type
        self.length = length
    }
}
