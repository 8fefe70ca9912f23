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

    /// How the card went in: its chip (DE55, DE23, DE22 05x or 07x), or its stripe (DE35; DE22
    /// 022, or 802 for a fallback after the chip could not be read).
    mutating func readCard(_ swipe: NodeCommand.Swipe, into request: inout ISOMessage, now: Instant) {
        if let chip = swipe.chip {
            readChip(chip, swipe: swipe, into: &request, now: now)
            return
        }
        if let track2 = swipe.track2 { request[DE.track2] = track2.text }
        if swipe.fallback { request[DE.entryMode] = "802" }
    }

    /// A chip that cannot be read: nothing is sent, the cashier is asked for the card again or its stripe.
    func chipUnreadable(_ swipe: NodeCommand.Swipe, operation: TimelineEvent.Operation, now: Instant) -> [NodeAction]? {
        guard swipe.chip?.unreadable == true else { return nil }
        let reference = TransactionReference(terminal: configuration.id, stan: "-", transmission: MessageTimes.transmission(now))
        return [
            .record(TimelineEvent(at: now, node: name, kind: .swiped, reference: .transaction(reference),
                                  detail: "card \(PAN.mask(swipe.pan)) inserted", facts: .init(transactionID: swipe.id, amount: swipe.amount,
                                                                                              operation: operation))),
            .record(TimelineEvent(at: now, node: name, kind: .failed, reference: .transaction(reference),
                                  detail: "the chip could not be read: nothing was sent; insert the card again, or swipe its stripe (fallback, DE22 80x)",
                                  facts: .init(transactionID: swipe.id, operation: operation))),
        ]
    }

    /// A chip read: the card's ARQC over the request in DE55, DE22 inserted (05x) or tapped (07x)
    /// with no PIN yet (2; a PIN block marks it 1 as it goes), DE23 the PSN; the card keeps the
    /// ARQC and its session key to check the issuer's ARPC.
    mutating func readChip(_ chip: ChipRead, swipe: NodeCommand.Swipe, into request: inout ISOMessage, now: Instant) {
        guard let read = ChipData.request(
            pan: swipe.pan, amount: swipe.amount, currency: configuration.currency, date: clock(now).date,
            stan: request[DE.stan] ?? "", chip: chip) else { return }
        request[DE.entryMode] = chip.contactless ? "072" : "052"
        request[DE.cardSequenceNumber] = "0" + chip.psn
        var objects = read.objects
        // A card whose cryptogram will not verify (`bad_arqc`): one bit of its ARQC is off.
        if chip.wrongCryptogram, let index = objects.firstIndex(where: { $0.tag == [0x9F, 0x26] }) { objects[index].value[0] ^= 0x01 }
        request.setEMVData(objects)
        if let arqc = ChipData.value([0x9F, 0x26], in: objects) { self.chip[request.transactionReference] = .awaitingARPC(arqc: arqc, sessionKey: read.sessionKey) }
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
