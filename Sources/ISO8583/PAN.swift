/// Helpers for primary account numbers.
public enum PAN {
    /// Masks a PAN as PCI DSS allows to show it: the first six and the last four digits.
    ///
    /// A PAN of ten digits or fewer is masked entirely but for its last four.
    public static func mask(_ pan: String) -> String {
        // A PAN is ASCII digits: masked byte by byte (anything else, by character).
        var bytes = Array(pan.utf8)
        guard bytes.allSatisfy({ $0 < 0x80 }) else {
            let characters = Array(pan)
            guard characters.count > 4 else { return String(repeating: "*", count: characters.count) }
            let head = characters.count > 10 ? 6 : 0
            return String(characters[..<head]) + String(repeating: "*", count: characters.count - head - 4) + String(characters[(characters.count - 4)...])
        }
        guard bytes.count > 4 else { return String(repeating: "*", count: bytes.count) }
        let head = bytes.count > 10 ? 6 : 0
        for index in head..<(bytes.count - 4) { bytes[index] = UInt8(ascii: "*") }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The bank identification number: the first six digits.
    public static func bin(_ pan: String) -> String { String(pan.prefix(6)) }
}
