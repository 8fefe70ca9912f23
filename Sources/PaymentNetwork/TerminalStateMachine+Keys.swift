public import PaymentSecurity
public import ISO8583
import SettlementCalendar

/// A terminal's working keys: taken from its sign-on's answer (DE62, under its TMK), used on every
/// request to its acquirer until the next sign-on.
extension TerminalStateMachine {
    /// The keys in a sign-on's answer, kept; their check values for the timeline (nil when the
    /// terminal has no TMK or the answer carries no keys), or why they cannot be used.
    mutating func takeKeys(from answer: ISOMessage) -> Result<String?, WorkingKeys.Problem> {
        guard answer.responseCode == .approved, let keying = configuration.security.terminals[configuration.acquirer],
              let block = KeyBlockField.read(answer) else { return .success(nil) }
        do throws(WorkingKeys.Problem) {
            let keys = try WorkingKeys(block: block, tmk: keying.tmk)
            workingKeys = keys
            return .success(keys.checkValues)
        } catch {
            return .failure(error)
        }
    }

    /// A chip read: the card's ARQC over the request in DE55, DE22 inserted (05x) or tapped (07x)
    /// with no PIN yet (2; a PIN block marks it 1 as it goes), DE23 the PSN; the card keeps the
    /// ARQC and its session key to check the issuer's ARPC.
    mutating func readChip(_ chip: ChipRead, swipe: NodeCommand.Swipe, into request: inout ISOMessage, now: Instant) {
        guard let read = ChipData.request(
            pan: swipe.pan, amount: swipe.amount, currency: configuration.currency, date: configuration.zone.local(now).date,
            stan: request[DE.stan] ?? "", chip: chip) else { return }
        request[DE.entryMode] = chip.contactless ? "072" : "052"
        request[DE.cardSequenceNumber] = "0" + chip.psn
        request.setEMVData(read.objects)
        if let arqc = ChipData.value([0x9F, 0x26], in: read.objects) { chipSessions[request.transactionReference] = (arqc, read.sessionKey) }
    }

    public func security(towards peer: String) -> LinkSecurity? {
        guard peer == configuration.acquirer, let keying = configuration.security.terminals[peer], let keys = workingKeys else { return nil }
        return LinkSecurity(mac: keying.mac, macKey: keys.mak, pinKey: keys.pik)
    }
}

/// DE62 as the working keys travel in it: binary in a dialect whose DE62 is binary (UnionPay's),
/// and written as hex characters where ISO 8583:1987 makes it character data (PayLab's own links).
public enum KeyBlockField {
    /// The key block a message carries, if any.
    public static func read(_ message: ISOMessage) -> [UInt8]? {
        guard let text = message[DE.keyBlock], let bytes = Hex.decode(text), [24, 40, 60].contains(bytes.count) else { return nil }
        return bytes
    }

    /// Puts a key block in a message.
    public static func write(_ block: [UInt8], into message: inout ISOMessage) {
        message[DE.keyBlock] = Hex.encode(block)
    }
}

extension WorkingKeys {
    /// `PIK check value …, MAK check value …` (and the TDK's).
    public var checkValues: String {
        var parts = ["PIK check value \(Hex.encode(pik.checkValue()))", "MAK check value \(Hex.encode(mak.checkValue()))"]
        if let tdk { parts.append("TDK check value \(Hex.encode(tdk.checkValue()))") }
        return parts.joined(separator: ", ")
    }
}
