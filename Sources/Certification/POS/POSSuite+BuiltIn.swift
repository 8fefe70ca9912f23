import PaymentNetwork

extension POSSuite {
    /// The built-in suite: a UnionPay POS's day, from its sign-on to its batch.
    public static let builtIn = POSSuite(cards: [
        Card(name: "stripe", pan: "6222020000000101"),
        Card(name: "pin", pan: "6222020000000102", pin: "123456"),
        Card(name: "chip", pan: "6222020000000103", chip: (imk: "0123456789ABCDEFFEDCBA9876543210", psn: "01", atc: 1)),
        Card(name: "broken_chip", pan: "6222020000000104", chip: (imk: "0123456789ABCDEFFEDCBA9876543210", psn: "01", atc: 1)),
    ], cases: salesCases + followUpCases + faultCases + batchCases)

    typealias R = CertificationSuite.Rule

    /// Every financial request: who, where, the currency.
    static let carried: [Rule] = [.field(41, .present), .field(42, .present), .field(11, .matches("[0-9]{6}"))]
    static let approved: Rule = .answer(39, .equals("00"))

    static func purchase(_ amount: String, _ card: String, _ extra: [(String, String)] = []) -> [(key: String, value: String)] {
        [("do", "purchase"), ("amount", amount), ("card", card)] + extra.map { (key: $0.0, value: $0.1) }
    }

    /// An amount as DE4 carries it.
    static func minor(_ amount: String) -> String { Money(decimal: amount, exponent: 2)?.de4 ?? amount }

    static let salesCases: [Case] = [
        Case(id: "POS-001", name: "Sign-on and key download", instruction: [("do", "sign_on")],
             expect: [Expected(mti: "0800", rules: [.signOn, .field(41, .present), .field(42, .present), .answer(39, .equals("00")), .answer(62, .present)])]),
        Case(id: "POS-010", name: "Purchase by the stripe, no PIN", instruction: purchase("1.00", "stripe"),
             expect: [Expected(mti: "0200", rules: carried + [.field(3, .equals("000000")), .field(4, .equals(minor("1.00"))), .field(22, .matches("02[0-9]")),
                                                           .field(25, .equals("00")), .field(35, .present), .field(49, .equals("156")), approved])]),
        Case(id: "POS-011", name: "Purchase with the PIN", instruction: purchase("2.00", "pin", [("pin", "123456")]),
             expect: [Expected(mti: "0200", rules: carried + [.field(22, .matches("[0-9]{2}1")), .field(52, .present), .field(53, .present), approved])]),
        Case(id: "POS-012", name: "Purchase with a wrong PIN: declined 55", instruction: purchase("3.00", "pin", [("pin", "111111")]),
             expect: [Expected(mti: "0200", rules: carried + [.field(52, .present), .answer(39, .equals("55"))])]),
        Case(id: "POS-013", name: "Chip purchase: the ARQC verifies, the ARPC comes back", instruction: purchase("4.00", "chip", [("entry", "chip")]),
             expect: [Expected(mti: "0200", rules: carried + [.field(22, .matches("05[0-9]")), .field(23, .present), .tag("9F26"), .tag("9F27"), .tag("9F10"),
                                                           .tag("9F37"), .tag("9F36"), .tag("95"), .tag("9A"), .tag("9C"), .tag("9F02"), .tag("5F2A"), .tag("82"),
                                                           approved, .answerTag("91")])]),
        Case(id: "POS-014", name: "Contactless chip purchase", instruction: purchase("5.00", "chip", [("entry", "contactless")]),
             expect: [Expected(mti: "0200", rules: carried + [.field(22, .matches("07[0-9]")), .tag("9F26"), approved])]),
        Case(id: "POS-015", name: "A chip card swiped by its stripe: declined 45", instruction: purchase("6.00", "chip", [("entry", "stripe")]),
             expect: [Expected(mti: "0200", rules: carried + [.field(22, .matches("02[0-9]")), .field(35, .present), .answer(39, .equals("45"))])]),
        Case(id: "POS-016", name: "Fallback: the chip cannot be read, the stripe is swiped", instruction: purchase("7.00", "broken_chip", [("entry", "fallback")]),
             expect: [Expected(mti: "0200", rules: carried + [.field(22, .matches("80[0-9]")), .field(35, .present), approved])]),
    ]

    static let followUpCases: [Case] = [
        Case(id: "POS-030", name: "Void of the purchase POS-010, named by DE61 and DE37", instruction: [("do", "void"), ("of", "POS-010")],
             expect: [Expected(mti: "0200", rules: carried + [.field(3, .matches("20[0-9]{4}")), .field(4, .equals(minor("1.00"))), .field(61, .present),
                                                           .field(37, .present), approved])]),
        Case(id: "POS-031", name: "Refund of 1.00 on the purchase POS-011", instruction: [("do", "refund"), ("of", "POS-011"), ("amount", "1.00")],
             expect: [Expected(mti: "0220", rules: carried + [.field(3, .matches("20[0-9]{4}")), .field(4, .equals(minor("1.00"))), .field(37, .present), approved])]),
        Case(id: "POS-040", name: "Pre-authorization", instruction: [("do", "preauth"), ("amount", "100.00"), ("card", "stripe")],
             expect: [Expected(mti: "0100", rules: carried + [.field(3, .equals("030000")), .field(25, .equals("06")), approved, .answer(38, .present)])]),
        Case(id: "POS-041", name: "Online completion of POS-040 for 90.00 (0200, DE25 06)", instruction: [("do", "complete"), ("of", "POS-040"), ("amount", "90.00")],
             expect: [Expected(mti: "0200", rules: carried + [.field(3, .equals("000000")), .field(25, .equals("06")), .field(4, .equals(minor("90.00"))),
                                                           .field(61, .present), .field(38, .present), approved])]),
        Case(id: "POS-042", name: "Pre-authorization to cancel", instruction: [("do", "preauth"), ("amount", "50.00"), ("card", "stripe")],
             expect: [Expected(mti: "0100", rules: carried + [.field(3, .equals("030000")), approved])]),
        Case(id: "POS-043", name: "Cancellation of the pre-authorization POS-042", instruction: [("do", "cancel"), ("of", "POS-042")],
             expect: [Expected(mti: "0100", rules: carried + [.field(3, .matches("20[0-9]{4}")), .field(25, .equals("06")), .field(38, .present), approved])]),
        Case(id: "POS-050", name: "Balance inquiry with the PIN: the balance in DE54", instruction: [("do", "inquire"), ("card", "pin"), ("pin", "123456")],
             expect: [Expected(mti: "0200", rules: carried + [.field(3, .matches("31[0-9]{4}")), .field(52, .present), approved, .answer(54, .present)])]),
    ]

    static let faultCases: [Case] = [
        Case(id: "POS-020", name: "The card declines the online approval (bad ARPC): reversal with DE39 06", instruction: purchase("8.00", "chip", [("entry", "chip")]),
             centre: .badARPC,
             expect: [Expected(mti: "0200", rules: [.tag("9F26"), approved]), Expected(mti: "0400", rules: [.field(39, .equals("06")), .field(4, .equals(minor("8.00")))])]),
        Case(id: "POS-060", name: "No answer: the reversal (DE39 98) before anything else", instruction: purchase("9.00", "stripe"), centre: .noAnswer,
             expect: [Expected(mti: "0200", rules: carried), Expected(mti: "0400", rules: [.field(39, .equals("98")), .field(4, .equals(minor("9.00"))), .answer(39, .equals("00"))])]),
        Case(id: "POS-061", name: "An answer whose MAC does not verify: sign on again, then the reversal (A0)", instruction: purchase("10.00", "stripe"), centre: .badMAC,
             expect: [Expected(mti: "0200", rules: carried), Expected(mti: "0800", rules: [.signOn]),
                      Expected(mti: "0400", rules: [.field(39, .equals("A0")), .field(4, .equals(minor("10.00"))), .answer(39, .equals("00"))])]),
    ]

    static let batchCases: [Case] = [
        Case(id: "POS-070", name: "Settlement whose totals agree (DE48, reconciliation code 1)", instruction: [("do", "settle")],
             expect: [Expected(mti: "0500", rules: [.field(48, .matches("[0-9]{30}0[0-9]*")), .answer(39, .equals("00")), .answer(48, .matches("[0-9]{30}1[0-9]*"))])]),
        Case(id: "POS-071", name: "A purchase in the next batch", instruction: purchase("11.00", "stripe"),
             expect: [Expected(mti: "0200", rules: carried + [approved])]),
        Case(id: "POS-072", name: "Settlement whose totals disagree: the batch upload and its end", instruction: [("do", "settle")], centre: .disagree,
             expect: [Expected(mti: "0500", rules: [.field(48, .matches("001[0-9]{27}0[0-9]*"))]),
                      Expected(mti: "0320", rules: [.field(4, .equals(minor("11.00"))), .answer(39, .equals("00"))]),
                      Expected(mti: "0320", rules: [.field(60, .matches("[0-9]{8}207")), .answer(39, .equals("00"))])]),
    ]
}
