import ISO8583
/// The MAC algorithms payment hosts implement for DE64/DE128.
public enum MACAlgorithm: String, Sendable, CaseIterable, CustomStringConvertible {
    /// ANSI X9.9: DES CBC-MAC (ISO 9797-1 MAC algorithm 1) under a single-length key (the left
    /// half of a longer one).
    case x9_9 = "x9.9"
    /// ANSI X9.19, ISO 9797-1 MAC algorithm 3 (the "retail MAC"): DES CBC under K1, then the last
    /// block decrypted under K2 and encrypted under K1 again. With a single-length key it is X9.9.
    case x9_19 = "x9.19"
    /// UnionPay's POS "ECB" MAC: the blocks XORed together, written as 16 hex characters, the first
    /// eight encrypted, XORed with the last eight, encrypted again, and the result's first eight
    /// hex characters carried as the 8 bytes of DE64.
    case cupECB = "cup-ecb"

    public var description: String { rawValue }

    /// What the algorithm is, for reports and `--help`.
    public var summary: String {
        switch self {
        case .x9_9: "ANSI X9.9 (single-DES CBC-MAC)"
        case .x9_19: "ANSI X9.19 (ISO 9797-1 MAC algorithm 3, double-length key)"
        case .cupECB: "UnionPay POS ECB MAC (8 hex characters)"
        }
    }

    /// The 8-byte MAC of `data` under `key`, padded by `padding`.
    public func mac(key: DESKey, _ data: some Collection<UInt8>, padding: MACPadding = .zeros) -> [UInt8] {
        let blocks = padding.pad(data)
        switch self {
        case .x9_9:
            return key.k1.cbcChain(blocks)
        case .x9_19:
            var chained = key.k1.cbcChain(blocks)
            key.k2.apply(&chained, encrypt: false)
            key.k1.apply(&chained, encrypt: true)
            return chained
        case .cupECB:
            var folded = [UInt8](repeating: 0, count: 8)
            for start in stride(from: 0, to: blocks.count, by: 8) {
                for index in 0..<8 { folded[index] ^= blocks[start + index] }
            }
            let text = Array(Hex.encode(folded).utf8)
            let first = key.encrypt(Array(text[0..<8]))
            let second = key.encrypt(zip(first, text[8..<16]).map { $0 ^ $1 })
            return Array(Hex.encode(second).utf8.prefix(8))
        }
    }
}

/// How a MAC's data is padded to whole 8-byte blocks (ISO/IEC 9797-1).
public enum MACPadding: Int, Sendable, CaseIterable, CustomStringConvertible {
    /// Method 1: zero bytes up to a whole block (none when the data already ends one; one zero block for no data).
    case zeros = 1
    /// Method 2: a 0x80 byte, then zero bytes up to a whole block (always at least the 0x80).
    case bit = 2

    public var description: String { "ISO 9797-1 padding method \(rawValue)" }

    /// `data` padded to whole blocks (in one buffer of the padded size: every MAC pads).
    public func pad(_ data: some Collection<UInt8>) -> [UInt8] {
        let count = data.count
        let whole = self == .zeros ? (count == 0 ? 8 : (count + 7) / 8 * 8) : (count + 8) / 8 * 8
        var padded: [UInt8] = []
        padded.reserveCapacity(whole)
        padded.append(contentsOf: data)
        if self == .bit { padded.append(0x80) }
        while padded.count < whole { padded.append(0) }
        return padded
    }
}
