import PaymentSecurity
import ISO8583

/// The acquirer as its terminals' key centre: fresh working keys at every sign-on, under each
/// terminal's master key; the MAC and PIN keys of every link it holds.
extension AcquirerStateMachine {
    /// New working keys for the terminal on `peer`, put in the sign-on's answer (DE62) and kept as the
    /// link's keys; the kind a UnionPay POS asks for in DE60.3 (`001`, `003`, `004`), else the configured one.
    mutating func issueKeys(to peer: String, asked code: String?, into answer: inout ISOMessage) {
        guard let keying = configuration.security.terminals[peer] else { return }
        let kind = code.flatMap(WorkingKeys.Kind.init(managementCode:)) ?? configuration.security.workingKeys
        let count = keysIssued[peer, default: 0] + 1
        keysIssued[peer] = count
        let keys = WorkingKeys.derive(seed: seed, purpose: "terminal \(peer) sign-on \(count)", kind: kind)
        terminalKeys[peer] = keys
        KeyBlockField.write(keys.block(under: keying.tmk), into: &answer)
    }

    /// The keys change under a terminal (a POS centre re-keyed): its next request's MAC fails.
    mutating func rekey(_ peer: String) {
        guard configuration.security.terminals[peer] != nil, let held = terminalKeys[peer] else { return }
        let kind: WorkingKeys.Kind = held.tdk != nil ? .doubleWithTrack : held.mak.length == .single ? .single : .double
        let count = keysIssued[peer, default: 0] + 1
        keysIssued[peer] = count
        terminalKeys[peer] = WorkingKeys.derive(seed: seed, purpose: "terminal \(peer) re-keyed \(count)", kind: kind)
    }

    public var forwarded: HopMap? { hops }

    public func security(towards peer: String) -> LinkSecurity? {
        if let zone = configuration.security.zones[peer] { return zone }
        guard let keying = configuration.security.terminals[peer], let keys = terminalKeys[peer] else { return nil }
        return LinkSecurity(mac: keying.mac, macKey: keys.mak, pinKey: keys.pik)
    }
}
