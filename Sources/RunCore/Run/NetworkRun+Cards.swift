import PaymentNetwork
import Scenario

/// How a step's card meets the terminal: by its chip (its next ATC, and what a chip fault does to
/// it), or by its stripe (track 2 with its CVN under its issuer's key), or by its stripe after
/// the chip failed (fallback).
extension NetworkRun {
    func cardRead(id: String, card pan: String, amount: Money, preauthorization: Bool = false, step: Step) -> NodeCommand.Swipe {
        let card = cardsByPAN[pan].map { scenario.network.cards[$0] }
        var swipe = NodeCommand.Swipe(id: id, pan: pan, expiry: card?.expiry ?? CardRules.defaultExpiry, amount: amount, preauthorization: preauthorization, pin: step.pin)
        guard let card else { return swipe }
        if let chip = card.chip, step.entry != "stripe", step.entry != "fallback" {
            let atc = nextATC[pan, default: chip.atc]
            nextATC[pan] = atc + 1
            var read = ChipRead(imk: chip.imk, psn: chip.psn, atc: UInt16(clamping: atc), contactless: step.entry == "contactless")
            read.unreadable = chipFaults["unreadable \(pan)", default: 0] > 0
            read.wrongCryptogram = chipFaults["bad ARQC \(pan)", default: 0] > 0
            swipe.chip = read
            return swipe
        }
        swipe.fallback = step.entry == "fallback"
        // Its expiry, chip and bank are the card's: the PAN decides its track 2.
        if let track = stripes[pan] {
            swipe.track2 = track
        } else {
            let cvk = scenario.network.security.cardVerificationKey(card.bank, seed: scenario.seed)
            swipe.track2 = Track2(pan: pan, expiry: swipe.expiry, chip: card.chip != nil, cvk: cvk)
            stripes[pan] = swipe.track2
        }
        return swipe
    }
}
