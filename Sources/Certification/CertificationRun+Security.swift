import ISO8583
import PaymentNetwork
import PaymentSecurity

/// The keys of a certification run's link: the issuer suite MACs under the zone MAC key and
/// puts PIN blocks under the zone PIN key; the acquirer suite's terminal takes its working keys
/// from its sign-on's answer under its TMK and MACs and enters PINs with them.
extension CertificationRun {
    /// The working keys the acquirer suite's terminal holds, from the last sign-on that brought some.
    struct TerminalKeys {
        var working: WorkingKeys?
    }

    /// The terminal's MAC algorithm in the acquirer suite.
    var terminalMAC: MACAlgorithm { keys.terminalMAC ?? (target.dialect.name == "cup" ? .cupECB : .x9_19) }

    /// What MACs the requests of this run and checks their answers: the terminal's MAK in the
    /// acquirer suite (once it has one), the ZAK in the issuer suite.
    func linkAuthenticator(_ terminal: TerminalKeys) -> MACAuthenticator? {
        suite.role == "acquirer" ? terminal.working.map { MACAuthenticator(algorithm: terminalMAC, key: $0.mak) } : keys.authenticator
    }

    /// The key `${pinblock...}` encrypts under: the terminal's PIK, or the ZPK.
    func pinKey(_ terminal: TerminalKeys) -> DESKey? {
        suite.role == "acquirer" ? terminal.working?.pik : keys.zpk
    }

    /// The answer's MAC verifies under the link's key (network management and an A0 carry none).
    func macCheck(_ raw: [UInt8], answer: ISOMessage, codec: MessageCodec, step: Int, authenticator: MACAuthenticator?) -> Check? {
        guard let authenticator, answer.mti.messageClass != .networkManagement, !ISOMessage.macExempt(answer) else { return nil }
        let field = MessageCodec.macField(of: answer)
        let rule = "MAC \(authenticator.algorithm) under the \(suite.role == "acquirer" ? "MAK" : "ZAK")"
        guard let carried = answer.bytes(field) else {
            return Check(step: step, field: field, rule: rule, expected: "a MAC", actual: "none", passed: false)
        }
        do {
            _ = try codec.unpack(raw, securedBy: authenticator)
            return Check(step: step, field: field, rule: rule, expected: "verifies", actual: Hex.encode(carried), passed: true)
        } catch {
            let width = codec.dialect.binaryFields == .hex ? 16 : 8
            let computed = raw.count >= codec.dialect.headerLength + width
                ? Hex.encode(authenticator.mac(Array(raw[codec.dialect.headerLength..<(raw.count - width)]))) : "-"
            return Check(step: step, field: field, rule: rule, expected: computed, actual: Hex.encode(carried), passed: false)
        }
    }

    /// With a TMK: the working keys in a sign-on's answer (DE62), decrypted under it, must have the
    /// check values they came with; the terminal uses them from then on.
    func takeKeys(_ answer: ISOMessage, step: Int, into terminal: inout TerminalKeys) -> Check? {
        guard let tmk = keys.tmk, answer.mti.messageClass == .networkManagement,
              let block = KeyBlockField.read(answer.recast(from: target.dialect, to: .default)) else { return nil }
        let rule = "working keys under the TMK"
        do throws(WorkingKeys.Problem) {
            let issued = try WorkingKeys(block: block, tmk: tmk)
            terminal.working = issued
            return Check(step: step, field: DE.keyBlock, rule: rule, expected: "check values agree", actual: issued.checkValues, passed: true)
        } catch {
            return Check(step: step, field: DE.keyBlock, rule: rule, expected: "check values agree", actual: error.description, passed: false)
        }
    }

    /// A `pin` rule on what the SUT sent PayLab's scheme: its DE52 read under the ZPK (nil for other rules).
    func pinCheck(_ rule: CertificationSuite.Rule, field: Int, step: Int, seen message: ISOMessage) -> Check? {
        guard case .pin(let expected) = rule else { return nil }
        let read: String
        if let block = message.bytes(DE.pinBlock), let zpk = keys.zpk {
            do throws(PINBlock.Problem) {
                read = try PINBlock.decrypt(block, pan: message[DE.pan] ?? "", key: zpk).pin
            } catch {
                read = "not a PIN block under the ZPK (\(error))"
            }
        } else {
            read = keys.zpk == nil ? "no --zpk to read it with" : "no PIN block"
        }
        return Check(step: step, field: field, rule: rule.description, expected: expected, actual: read == expected ? "the PIN entered" : read, passed: read == expected)
    }
}
