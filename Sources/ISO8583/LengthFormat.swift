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
