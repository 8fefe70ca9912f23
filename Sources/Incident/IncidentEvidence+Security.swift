import ISO8583
import PaymentSecurity
import PaymentNetwork
import Scenario
import SettlementCalendar

/// What the evidence shows of payment security: cards whose issuer declined a PIN, and keys out
/// of step between a terminal and its acquirer.
extension Reproduction {
    /// The PIN the reproduction gives a card whose issuer declined a PIN (55, 75), and a wrong one.
    static let pin = (right: "1234", wrong: "9999")

    /// Cards whose issuer declined a PIN need one: the right PIN where a request that carried a PIN
    /// block was approved, a wrong one where it was declined 55 or 75, none where it carried no
    /// block; the tries a day are those the evidence shows before the first 75.
    mutating func pins() {
        for (index, card) in spec.cards.enumerated() {
            let swipes = purchases.filter { $0.exchanges[0].request.message[DE.pan] == card.pan }
            guard swipes.contains(where: { ["55", "75"].contains($0.response ?? "") }) else { continue }
            spec.cards[index].pin = Self.pin.right
            var wrongByDay: [LocalDate: Int] = [:]
            var tries: Int?
            for item in swipes {
                let day = zone.local(Instant(milliseconds: item.requestedAt! / 1000)).date
                if item.response == "55", item.exchanges[0].request.message.has(DE.pinBlock) { wrongByDay[day, default: 0] += 1 }
                if item.response == "75", tries == nil { tries = wrongByDay[day, default: 0] + 1 }
            }
            spec.cards[index].pinTries = tries ?? max(3, (wrongByDay.values.max() ?? 0) + 1)
        }
    }

    /// Cards the evidence shows with a chip (a request with DE55, a fallback, or a stripe read declined 45) get
    /// one: a key of the reproduction's own (the card's real one is not in the evidence, and the
    /// reproduction's card and issuer share it), the PSN of DE23, the first ATC of 9F36.
    mutating func chips() {
        for (index, card) in spec.cards.enumerated() {
            let requests = purchases.filter { $0.exchanges[0].request.message[DE.pan] == card.pan }
            let chipped = requests.compactMap { item -> ISOMessage? in
                let request = item.exchanges[0].request.message
                return request.has(55) ? request : nil
            }
            let fellBack = requests.contains { $0.exchanges[0].request.message[DE.entryMode]?.hasPrefix("80") == true }
            guard !chipped.isEmpty || fellBack || requests.contains(where: { $0.response == ResponseCode.useChip.rawValue }) else { continue }
            let first = chipped.first
            let atc = first.flatMap { try? $0.emvData() }.flatMap { ChipData.value([0x9F, 0x36], in: $0) }.map { Int($0[0]) << 8 | Int($0[1]) } ?? 1
            spec.cards[index].chip = NetworkSpec.Card.Chip(
                imk: KeyDerivation.key(seed: 1, purpose: "incident card \(card.pan) IMK"),
                psn: first?[DE.cardSequenceNumber].map { String($0.suffix(2)) } ?? "00", atc: atc)
        }
    }

    /// How a reproduced swipe reads a chip card: by its stripe or without contact, as DE22 says (else the chip).
    func entry(for item: IncidentEvidence.Transaction, card: String) -> String? {
        guard spec.cards.first(where: { $0.pan == card })?.chip != nil else { return nil }
        let mode = item.exchanges[0].request.message[DE.entryMode] ?? ""
        return mode.hasPrefix("02") ? "stripe" : mode.hasPrefix("07") ? "contactless" : mode.hasPrefix("80") ? "fallback" : nil
    }

    /// Chip cryptograms that did not verify: a chip request the issuer declined 05 (`bad_arqc`
    /// for that card), or an approval the terminal reversed at once with DE39 06, the card having
    /// declined after it (`bad_arpc` at the issuer), each for a moment around the request.
    mutating func chipFaults() {
        for item in purchases {
            guard let terminal = item.terminalSends.first, let sent = terminal.request.time, terminal.request.message.has(55),
                  let card = terminal.request.message[DE.pan] else { continue }
            if item.response == ResponseCode.doNotHonor.rawValue {
                fault(.badARQC(card: card), from: sent - 1_000_000, to: sent + 1_000_000)
            } else if terminal.answer?.message.responseCode == .approved, item.exchanges.contains(where: {
                $0.request.message.isReversal && $0.request.flow == terminal.request.flow && $0.request.message[DE.responseCode] == ResponseCode.otherReason.rawValue
                    && ($0.request.time ?? .max) - (terminal.answer?.time ?? 0) < 1_000_000
            }) {
                fault(.badARPC(bank: "Issuer"), from: sent - 1_000_000, to: sent + 1_000_000)
            }
        }
    }

    /// The PIN a reproduced swipe enters: as the evidence's request and answer say.
    func pin(for item: IncidentEvidence.Transaction, card: String) -> String? {
        guard item.exchanges[0].request.message.has(DE.pinBlock), spec.cards.first(where: { $0.pan == card })?.pin != nil else { return nil }
        return ["55", "75"].contains(item.response ?? "") ? Self.pin.wrong : Self.pin.right
    }

    /// Keys out of step between a terminal and its acquirer (`stale_keys`): a purchase the acquirer
    /// answered A0 without forwarding it (its MAC failed there), or one whose answer the terminal
    /// could not take and reversed with DE39 A0 (the acquirer re-keyed while it was in flight).
    mutating func keyFaults() {
        for item in purchases {
            guard let terminal = item.terminalSends.first, let sent = terminal.request.time else { continue }
            let forwarded = item.exchanges.contains { $0.request.flow != terminal.request.flow }
            if item.response == ResponseCode.macFailure.rawValue, !forwarded {
                fault(.staleKeys(terminal: item.terminal), from: sent - 1_000_000, to: sent - 1_000_000)
            } else if let answered = terminal.answer?.time, item.exchanges.contains(where: {
                $0.request.message.isReversal && $0.request.flow == terminal.request.flow && $0.request.message[DE.responseCode] == ResponseCode.macFailure.rawValue
            }) {
                let midway = sent + (answered - sent) / 2
                fault(.staleKeys(terminal: item.terminal), from: midway, to: midway)
            }
        }
    }
}
