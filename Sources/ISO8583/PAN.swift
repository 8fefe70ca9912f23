/// Helpers for primary account numbers.
public enum PAN {
    /// Masks a PAN as PCI DSS allows to show it: the first six and the last four digits.
    ///
    /// A PAN of ten digits or fewer is masked entirely but for its last four.
    public static func mask(_ pan: String) -> String {
        let digits = Array(pan)
        guard digits.count > 4 else { return String(repeating: "*", count: digits.count) }
        let head = digits.count > 10 ? 6 : 0
        let hidden = digits.count - head - 4
        return String(digits[..<head]) + String(repeating: "*", count: hidden) + String(digits[(digits.count - 4)...])
    }

    /// The bank identification number: the first six digits.
    public static func bin(_ pan: String) -> String { String(pan.prefix(6)) }
}
