import ISO8583
/// The working keys a terminal gets at sign-on (UnionPay DE62): each key encrypted under the
/// terminal master key, followed by its 4-byte check value.
public struct WorkingKeys: Sendable, Equatable {
    /// The PIN key.
    public var pik: DESKey
    /// The MAC key.
    public var mak: DESKey
    /// The track data key (`double_with_track` only).
    public var tdk: DESKey?

    public init(pik: DESKey, mak: DESKey, tdk: DESKey? = nil) {
        self.pik = pik
        self.mak = mak
        self.tdk = tdk
    }

    /// Which keys a sign-on hands out (UnionPay DE60.3).
    public enum Kind: String, Sendable, CaseIterable {
        /// `001`: single-length PIK and MAK (DE62 is 24 bytes).
        case single
        /// `003`: double-length PIK and MAK (40 bytes).
        case double
        /// `004`: double-length PIK, MAK and TDK (60 bytes).
        case doubleWithTrack = "double_with_track"

        /// The UnionPay DE60.3 network management code that asks for these keys.
        public var managementCode: String {
            switch self {
            case .single: "001"
            case .double: "003"
            case .doubleWithTrack: "004"
            }
        }

        /// The kind a DE60.3 code asks for.
        public init?(managementCode: String) {
            guard let kind = Self.allCases.first(where: { $0.managementCode == managementCode }) else { return nil }
            self = kind
        }

        /// The length of each key.
        public var keyLength: DESKey.Length { self == .single ? .single : .double }

        /// How long DE62 is.
        public var blockLength: Int { self == .single ? 24 : self == .double ? 40 : 60 }
    }

    /// Fresh keys of `kind`, derived from the seed for this `purpose` (a terminal's n-th sign-on).
    public static func derive(seed: UInt64, purpose: String, kind: Kind) -> WorkingKeys {
        WorkingKeys(
            pik: KeyDerivation.key(seed: seed, purpose: "\(purpose) PIK", length: kind.keyLength),
            mak: KeyDerivation.key(seed: seed, purpose: "\(purpose) MAK", length: kind.keyLength),
            tdk: kind == .doubleWithTrack ? KeyDerivation.key(seed: seed, purpose: "\(purpose) TDK", length: .double) : nil)
    }

    /// DE62: PIK, its check value, MAK, its check value (TDK and its check value), each key under `tmk`.
    /// A MAK of single length rides in the first half of its slot as UnionPay's 24-byte DE62 has it.
    public func block(under tmk: DESKey) -> [UInt8] {
        var block: [UInt8] = []
        for key in [pik, mak] + (tdk.map { [$0] } ?? []) {
            block += tmk.encrypt(key.bytes) + key.checkValue()
        }
        return block
    }

    /// Why a DE62 does not give working keys.
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        /// DE62 is not 24, 40 or 60 bytes.
        case length(Int)
        /// A key decrypted under the TMK does not have the check value carried with it.
        case checkValue(key: String, carried: String, computed: String)

        public var description: String {
            switch self {
            case .length(let count): "DE62 of \(count) bytes carries no working keys (24, 40 or 60 bytes)"
            case .checkValue(let key, let carried, let computed): "the \(key) decrypted under the TMK has check value \(computed), DE62 carries \(carried) (the wrong TMK?)"
            }
        }
    }

    /// The keys in a DE62 block, decrypted under `tmk` and their check values verified.
    public init(block: [UInt8], tmk: DESKey) throws(Problem) {
        guard let kind = Kind.allCases.first(where: { $0.blockLength == block.count }) else { throw .length(block.count) }
        let width = kind.keyLength == .single ? 8 : 16
        var keys: [DESKey] = []
        var offset = 0
        for name in ["PIK", "MAK", "TDK"].prefix(kind == .doubleWithTrack ? 3 : 2) {
            let key = DESKey(tmk.decrypt(Array(block[offset..<(offset + width)])))!
            let carried = Array(block[(offset + width)..<(offset + width + 4)])
            guard key.checkValue() == carried else {
                throw .checkValue(key: name, carried: Hex.encode(carried), computed: Hex.encode(key.checkValue()))
            }
            keys.append(key)
            offset += width + 4
        }
        self.init(pik: keys[0], mak: keys[1], tdk: keys.count > 2 ? keys[2] : nil)
    }
}
