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
