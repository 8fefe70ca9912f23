public import PaymentSecurity
public import ISO8583

/// What secures one link, as one of its ends holds it: the MAC algorithm and key on every message
/// but network management, and the key PIN blocks travel under.
public struct LinkSecurity: Sendable, Equatable {
    /// The MAC algorithm.
    public var mac: MACAlgorithm
    /// The MAC key (a zone's ZAK, a terminal's MAK); nil: the link carries no MAC.
    public var macKey: DESKey?
    /// The PIN key (a zone's ZPK, a terminal's PIK); nil: no PIN block is sent on the link.
    public var pinKey: DESKey?

    public init(mac: MACAlgorithm, macKey: DESKey?, pinKey: DESKey?) {
        self.mac = mac
        self.macKey = macKey
        self.pinKey = pinKey
    }

    /// What MACs and checks the link's messages, when it carries MACs.
    public var authenticator: MACAuthenticator? { macKey.map { MACAuthenticator(algorithm: mac, key: $0) } }
}

extension ISOMessage {
    /// Whether a secured link carries this message without a MAC: an answer `A0` (its sender found
    /// the link's keys out of step, so no MAC of its could be checked) goes without one and is
    /// taken without one. Network management carries none either (the codec knows that rule).
    public static func macExempt(_ message: ISOMessage) -> Bool {
        message.isResponse && message.responseCode == .macFailure
    }
}

/// A node's keys: each link's zone keys, and the terminal master keys of terminal links.
public struct NodeSecurity: Sendable, Equatable {
    /// Each link between institutions, by peer.
    public var zones: [String: LinkSecurity] = [:]
    /// Terminal links, by peer: at a terminal its acquirer, at an acquirer each terminal. The
    /// working keys (PIK and MAK) come at each sign-on, under the TMK.
    public var terminals: [String: TerminalKeying] = [:]
    /// What an acquirer hands a terminal at sign-on, unless its request asks (UnionPay DE60.3).
    public var workingKeys: WorkingKeys.Kind = .double

    public init() {}

    /// A terminal link's master key and MAC algorithm.
    public struct TerminalKeying: Sendable, Equatable {
        public var tmk: DESKey
        public var mac: MACAlgorithm
        /// The working keys the terminal asks for at sign-on (UnionPay DE60.3).
        public var workingKeys: WorkingKeys.Kind
        public init(tmk: DESKey, mac: MACAlgorithm, workingKeys: WorkingKeys.Kind = .double) {
            self.tmk = tmk
            self.mac = mac
            self.workingKeys = workingKeys
        }
    }
}
