public import ISO8583
public import PaymentSecurity

/// The PIN fields of a request (DE22's PIN digit, DE26, DE52, DE53), and a PIN block's way from key
/// to key as a host's security module moves it at each hop.
public enum PINTranslation {
    /// DE53 of a format-0 PIN block under 3DES: `26` (format 0 with the PAN), then `00...`.
    public static let securityControl = "2600000000000000"

    /// Puts a PIN block in a request: DE22 says the PIN was entered (`021` stripe, `051` chip),
    /// DE26 `12` (the most digits the terminal takes), DE52 the block, DE53 its format.
    public static func enter(_ block: [UInt8], into request: inout ISOMessage) {
        let mode = request[22].map { String($0.prefix(2)) } ?? "02"
        request[22] = mode + "1"
        request[DE.pinCaptureCode] = "12"
        request.setBytes(DE.pinBlock, block)
        request[DE.securityControl] = securityControl
    }

    /// Takes the PIN fields out (the next link carries no PIN block).
    public static func remove(from request: inout ISOMessage) {
        request.remove(DE.pinBlock)
        request.remove(DE.securityControl)
        request.remove(DE.pinCaptureCode)
    }

    /// The request's PIN block moved from the key it came under (`from`, the link it came on) to
    /// the key of the link it goes on (`to`); with no key there, the PIN fields go. Returns why
    /// the block cannot be moved (it does not decrypt to a format-0 block for the card, or it
    /// came on a link with no PIN key), or nil.
    public static func translate(_ request: inout ISOMessage, from: DESKey?, to: DESKey?) -> String? {
        guard let block = request.bytes(DE.pinBlock) else { return nil }
        guard let to else {
            remove(from: &request)
            return nil
        }
        guard let from else { return "a PIN block came on a link that has no PIN key" }
        do throws(PINBlock.Problem) {
            request.setBytes(DE.pinBlock, try PINBlock.translate(block, pan: request[DE.pan] ?? "", from: from, to: to))
            return nil
        } catch {
            return error.description
        }
    }
}
