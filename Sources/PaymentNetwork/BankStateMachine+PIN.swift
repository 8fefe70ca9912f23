import ISO8583
import PaymentSecurity
import SettlementCalendar

/// The issuer's PIN rules: a card with a PIN needs it on every purchase and pre-authorization;
/// the wrong PIN that reaches the card's `pinTries` in a day locks it for the rest of that day.
extension BankStateMachine {
    /// Why a request fails the card's PIN rules (the code, the event and its words), or nil when it
    /// passes them (or the card has no PIN, whatever the request carries).
    mutating func checkPIN(_ request: ISOMessage, card: Card, from scheme: String, today: LocalDate) -> (code: ResponseCode, kind: EventKind, detail: String)? {
        guard let pin = card.pin else { return nil }
        let wrong = pinTries[card.pan].flatMap { $0.day == today ? $0.wrong : nil } ?? 0
        if wrong >= card.pinTries {
            return (.pinTriesExceeded, .pinLocked, "the card is locked for the rest of \(today) after \(wrong) wrong PINs: declined 75")
        }
        guard let block = request.bytes(DE.pinBlock) else {
            return (.incorrectPIN, .pinFailed, "the card needs its PIN and the request carries none (DE22 \(request[DE.entryMode] ?? "none")): declined 55")
        }
        guard let key = security(towards: scheme)?.pinKey else {
            return (.pinFormatError, .pinFailed, "a PIN block came on a link with no PIN key: declined 99")
        }
        let entered: String
        do throws(PINBlock.Problem) {
            entered = try PINBlock.decrypt(block, pan: card.pan, key: key).pin
        } catch {
            return (.pinFormatError, .pinFailed, "the PIN block does not decrypt to a format-0 block for the card under the zone PIN key (\(error)): declined 99")
        }
        guard entered != pin else { return nil }
        pinTries[card.pan] = (today, wrong + 1)
        if wrong + 1 >= card.pinTries {
            return (.pinTriesExceeded, .pinLocked, "wrong PIN, \(wrong + 1) of \(card.pinTries) tries today: the card is locked for the rest of \(today): declined 75")
        }
        return (.incorrectPIN, .pinFailed, "wrong PIN, \(wrong + 1) of \(card.pinTries) tries today: declined 55")
    }
}
