import ISO8583

/// A DES key as payment networks use them: single length (8 bytes), double length (16, two-key
/// 3DES, K1 K2 K1) or triple length (24). Clear test keys only: PayLab is a test harness, and
/// every key it holds is one a scenario gave or its seed derived.
public struct DESKey: Sendable, Hashable, CustomStringConvertible {
    /// The key's bytes: 8, 16 or 24 of them.
    public let bytes: [UInt8]
    /// Its key schedules, computed once: every block it encrypts reuses them. `k1` and `k2` are
    /// single DES under its first and second halves (both the key itself at single length), for
    /// the MACs that run DES steps.
    let cipher: BlockCipher
    let k1: BlockCipher
    let k2: BlockCipher

    /// The key of these bytes, or nil unless there are 8, 16 or 24.
    public init?(_ bytes: [UInt8]) {
        guard [8, 16, 24].contains(bytes.count) else { return nil }
        self.bytes = bytes
        cipher = BlockCipher(bytes)
        k1 = bytes.count == 8 ? cipher : BlockCipher(Array(bytes[0..<8]))
        k2 = bytes.count == 8 ? cipher : BlockCipher(Array(bytes[8..<16]))
    }

    public static func == (lhs: DESKey, rhs: DESKey) -> Bool { lhs.bytes == rhs.bytes }
    public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }

    /// The key written in hex (16, 32 or 48 digits), or nil.
    public init?(hex: String) {
        guard let bytes = Hex.decode(hex) else { return nil }
        self.init(bytes)
    }

    /// `single`, `double` or `triple`.
    public enum Length: String, Sendable { case single, double, triple }

    /// How long the key is.
    public var length: Length { bytes.count == 8 ? .single : bytes.count == 16 ? .double : .triple }

    /// The key in upper-case hex.
    public var hex: String { Hex.encode(bytes) }

    public var description: String { hex }

    /// The key check value: the key encrypting eight zero bytes, its first `count` bytes (4 by default,
    /// as UnionPay's DE62 carries it; 3 is the other usual length).
    public func checkValue(count: Int = 4) -> [UInt8] {
        Array(encrypt([UInt8](repeating: 0, count: 8)).prefix(count))
    }

    /// The key with each byte's low bit set so that it has an odd number of one bits, as DES keys are written.
    public var oddParity: DESKey {
        DESKey(bytes.map { byte in
            let high = byte & 0xFE
            return high.nonzeroBitCount % 2 == 0 ? high | 1 : high
        })!
    }

    /// ECB encryption (DES for a single-length key, 3DES EDE otherwise) of whole 8-byte blocks.
    public func encrypt(_ data: [UInt8]) -> [UInt8] { cipher.ecb(data, encrypt: true) }

    /// ECB decryption of whole 8-byte blocks.
    public func decrypt(_ data: [UInt8]) -> [UInt8] { cipher.ecb(data, encrypt: false) }
}
