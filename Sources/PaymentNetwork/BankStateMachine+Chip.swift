import ISO8583
import PaymentSecurity

/// The issuer's chip rules: a chip card read by its stripe is refused `45`; a chip request's ARQC
/// must verify under the session key of its ATC (each ATC once), and its answer carries the ARPC.
extension BankStateMachine {
    /// What the chip says of a request.
    enum ChipCheck {
        /// A stripe card, or a request with no cryptogram to check (not a purchase or pre-authorization).
        case none
        /// The ARQC verified: the answer gets the ARPC of the code it carries.
        case verified(arqc: [UInt8], sessionKey: DESKey)
        /// Refused before anything else: the code, the event, its words.
        case refused(ResponseCode, EventKind, String)

        /// The answer with DE55 (tags 91 and 8A) when the ARQC verified.
        func answering(_ answer: ISOMessage) -> ISOMessage {
            guard case .verified(let arqc, let sessionKey) = self, let code = answer.responseCode,
                  let objects = ChipData.answer(arqc: arqc, sessionKey: sessionKey, code: code) else { return answer }
            var answered = answer
            answered.setEMVData(objects)
            return answered
        }
    }

    /// The chip rules for a purchase or pre-authorization of `card`, and its stripe's CVN when DE35 carries track 2.
    mutating func checkChip(_ request: ISOMessage, card: Card) -> ChipCheck {
        if let refused = checkTrack2(request, card: card) { return refused }
        guard let chip = card.chip else { return .none }
        let entry = request[DE.entryMode] ?? ""
        guard entry.hasPrefix("05") || entry.hasPrefix("07") else {
            if entry.hasPrefix("02") {
                return .refused(.useChip, .declined, "card \(PAN.mask(card.pan)) has a chip and was read by its stripe (DE22 \(entry)): declined 45, use the chip")
            }
            return .none
        }
        guard let objects = try? request.emvData(), let arqc = ChipData.value([0x9F, 0x26], in: objects),
              let atcBytes = ChipData.value([0x9F, 0x36], in: objects), atcBytes.count == 2, let data = ChipData.cryptogramInput(objects) else {
            return .refused(.doNotHonor, .arqcFailed, "a chip request without the EMV data its cryptogram needs (DE55 9F26, 9F36, 9F10 ...): declined 05")
        }
        let atc = UInt16(atcBytes[0]) << 8 | UInt16(atcBytes[1])
        let psn = request[DE.cardSequenceNumber].map { String($0.suffix(2)) } ?? chip.psn
        guard let sessionKey = EMVCryptograms.sessionKey(imk: chip.imk, pan: card.pan, psn: psn, atc: atc),
              EMVCryptograms.applicationCryptogram(sessionKey: sessionKey, data: data) == arqc else {
            return .refused(.doNotHonor, .arqcFailed, "the ARQC (9F26 \(Hex.encode(arqc))) does not verify under the card's keys at ATC \(atc): declined 05")
        }
        guard seenATCs[card.pan, default: []].insert(atc).inserted else {
            return .refused(.doNotHonor, .arqcFailed, "ATC \(atc) was used before: a replayed cryptogram, declined 05")
        }
        return .verified(arqc: arqc, sessionKey: sessionKey)
    }

    /// An answer with the chip's ARPC in DE55 (spoiled while `bad_arpc` lasts: the card will not verify it).
    func answering(_ chip: ChipCheck, _ answer: ISOMessage) -> ISOMessage {
        var answered = chip.answering(answer)
        if spoilingARPC { ChipData.spoilARPC(&answered) }
        return answered
    }

    /// Where ``verificationValues`` keeps a card's CVN for a service code.
    static func verificationKey(_ pan: String, _ expiry: String, _ serviceCode: String) -> String {
        pan + "=" + expiry + serviceCode
    }

    /// Track 2 (DE35) must be the card's, and its CVN must verify under the issuer's CVK.
    func checkTrack2(_ request: ISOMessage, card: Card) -> ChipCheck? {
        guard request.has(DE.track2), let cvk = configuration.cvk else { return nil }
        guard let track = Track2(request) else {
            return .refused(.formatError, .declined, "DE35 is not track 2 (PAN = expiry, service code, discretionary data): declined 30")
        }
        guard track.pan == card.pan, track.expiry == card.expiry else {
            return .refused(.doNotHonor, .declined, "track 2 names card \(PAN.mask(track.pan)) expiring \(track.expiry), not this card: declined 05")
        }
        let expected = verificationValues[Self.verificationKey(track.pan, track.expiry, track.serviceCode)]
            ?? CardVerification.value(key: cvk, pan: track.pan, expiry: track.expiry, serviceCode: track.serviceCode)
        guard expected == track.cvn else {
            return .refused(.doNotHonor, .declined, "the CVN in track 2 does not verify under the issuer's card verification key: declined 05")
        }
        return nil
    }
}
