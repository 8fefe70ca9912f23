public import PaymentSecurity

/// How a network's links are secured (`network.security`): the MAC algorithms, the working keys a
/// terminal gets at sign-on, and the keys a scenario gives. Every key left out is derived from the
/// seed, so a scenario that says nothing about security still runs secured.
public struct SecuritySpec: Sendable, Equatable {
    /// The MAC on PayLab's links between institutions (x9.19 by default).
    public var mac: MACAlgorithm = .x9_19
    /// The MAC on terminal links; nil: cup-ecb for a terminal that speaks the `cup` dialect, x9.19 otherwise.
    public var terminalMAC: MACAlgorithm?
    /// What a terminal gets at sign-on.
    public var workingKeys: WorkingKeys.Kind = .double
    /// Zone keys given for links between institutions, by `client -> server`.
    public var zones: [String: ZoneKeys] = [:]
    /// Terminal master keys given, by terminal id.
    public var terminalMasterKeys: [String: DESKey] = [:]
    /// Terminals that ask for other working keys than `workingKeys` at sign-on, by terminal id.
    public var terminalWorkingKeys: [String: WorkingKeys.Kind] = [:]

    public init() {}

    /// The keys of one link between institutions: the PIN key (ZPK) and the MAC key (ZAK).
    public struct ZoneKeys: Sendable, Equatable {
        public var zpk: DESKey?
        public var zak: DESKey?
        public init(zpk: DESKey? = nil, zak: DESKey? = nil) {
            self.zpk = zpk
            self.zak = zak
        }
    }

    /// The terminal MAC algorithm for a terminal link in `dialect` (a dialect's name).
    public func terminalMAC(dialect: String) -> MACAlgorithm {
        terminalMAC ?? (dialect == "cup" ? .cupECB : .x9_19)
    }

    /// The ZAK and ZPK of a link between institutions: as given, else derived from the seed.
    public func zone(_ client: String, _ server: String, seed: UInt64) -> (zak: DESKey, zpk: DESKey) {
        let given = zones["\(client) -> \(server)"]
        return (given?.zak ?? KeyDerivation.key(seed: seed, purpose: "zone \(client) -> \(server) ZAK"),
                given?.zpk ?? KeyDerivation.key(seed: seed, purpose: "zone \(client) -> \(server) ZPK"))
    }

    /// An issuer's card verification key (CVK A and B), which its cards' CVNs are computed under: derived from the seed.
    public func cardVerificationKey(_ bank: String, seed: UInt64) -> DESKey {
        KeyDerivation.key(seed: seed, purpose: "issuer \(bank) CVK")
    }

    /// A terminal's master key: as given, else derived from the seed.
    public func terminalMasterKey(_ terminal: String, seed: UInt64) -> DESKey {
        terminalMasterKeys[terminal] ?? KeyDerivation.key(seed: seed, purpose: "terminal \(terminal) TMK")
    }
}
