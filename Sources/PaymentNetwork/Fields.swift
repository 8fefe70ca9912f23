import ISO8583

/// The data elements PayLab's nodes use, by name.
public enum DE {
    public static let pan = 2
    public static let processingCode = 3
    public static let amount = 4
    public static let transmissionDateTime = 7
    public static let stan = 11
    public static let localTime = 12
    public static let localDate = 13
    public static let expiry = 14
    public static let settlementDate = 15
    public static let entryMode = 22
    public static let conditionCode = 25
    public static let acquirerID = 32
    public static let rrn = 37
    public static let authorizationCode = 38
    public static let responseCode = 39
    public static let terminalID = 41
    public static let merchantID = 42
    public static let currency = 49
    public static let originalData = 90
    public static let creditAccount = 103
}

/// Processing codes (DE3) the network uses.
public enum ProcessingCode {
    /// A purchase.
    public static let purchase = "000000"
    /// A void, as UnionPay POS terminals send it.
    public static let void = "200000"
    /// A payout credit to a merchant's account.
    public static let payoutCredit = "280000"
}

extension ISOMessage {
    /// The fields a response echoes from its request.
    static let echoedFields = [2, 3, 4, 7, 11, 12, 13, 15, 32, 37, 41, 42, 49, 90, 103]

    /// The response to this request: the MTI plus 10, the echoed fields and DE39.
    public func response(code: String) -> ISOMessage {
        var answer = ISOMessage(mti: responseMTI)
        for field in ISOMessage.echoedFields where has(field) {
            answer.setBytes(field, bytes(field))
        }
        answer[DE.responseCode] = code
        return answer
    }

    /// The amount in DE4, if it is a valid twelve-digit number.
    public var amount: Money? {
        guard let text = self[DE.amount], text.count == 12, let units = Int64(text) else { return nil }
        return Money(minorUnits: units)
    }

    /// The key that identifies the original request through every hop: `TERMINAL/STAN/DE7`.
    public var transactionReference: String {
        "\(self[DE.terminalID] ?? "-")/\(self[DE.stan] ?? "-")/\(self[DE.transmissionDateTime] ?? "-")"
    }
}

extension Money {
    /// The amount as DE4 carries it: twelve digits, no sign.
    public var de4: String {
        let text = String(minorUnits.magnitude)
        return String(repeating: "0", count: max(0, 12 - text.count)) + text
    }
}
