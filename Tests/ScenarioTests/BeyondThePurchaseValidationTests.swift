import Testing
@testable import Scenario
import Foundation

/// The steps and keys of "beyond the purchase": each mistake at its line and column.
@Suite("Beyond the purchase: validation")
struct BeyondThePurchaseValidationTests {
    static let base = "name: V\nstart: 2026-03-16 10:00\nsteps:\n  - { swipe: { id: buy, amount: 100.00 } }\n  - { swipe: { id: room, amount: 800.00, preauth: true } }\n"

    func errors(_ body: String, base: String = base) -> [String] {
        do {
            _ = try ScenarioLoader.parse(base + body, file: "v.yaml")
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    @Test("each mistake is reported at its exact position", arguments: [
        ("  - { complete: { id: c, of: buy, amount: 10.00 } }\n",
         "v.yaml:6:30: error: complete names 'buy', which is a purchase, not a pre-authorization (a swipe with preauth: true)"),
        ("  - { cancel: { id: c, of: buy } }\n", "v.yaml:6:28: error: cancel names 'buy', which is a purchase, not a pre-authorization (a swipe with preauth: true)"),
        ("  - { refund: { id: r, of: room, amount: 10.00 } }\n", "v.yaml:6:28: error: refund names 'room', which is a pre-authorization, not a purchase or a completion"),
        ("  - { refund: { id: r, of: buy, amount: 100.01 } }\n", "v.yaml:6:41: error: the refunds of 'buy' would add up to 100.01, more than its 100.00"),
        ("  - { refund: { id: r, of: buy, amount: 60.00 } }\n  - { refund: { id: s, of: buy, amount: 50.00 } }\n",
         "v.yaml:7:41: error: the refunds of 'buy' would add up to 110.00, more than its 100.00"),
        ("  - { dispute: { id: d, of: later, reason: \"4837\" } }\n  - { swipe: { id: later, amount: 1.00 } }\n",
         "v.yaml:6:29: error: dispute names 'later', which no earlier step swipes"),
        ("  - { dispute: { id: d, of: buy } }\n", "v.yaml:6:16: error: a dispute needs a 'reason' (the chargeback reason code, \"4837\")"),
        ("  - { dispute: { id: d, of: buy, reason: \"48370\" } }\n", "v.yaml:6:42: error: a chargeback reason is 1 to 4 letters or digits (\"4837\"), not '48370'"),
        ("  - { complete: { id: c, of: room } }\n", "v.yaml:6:17: error: a complete needs an 'amount'"),
        ("  - { refund: { id: buy, of: buy, amount: 1.00 } }\n", "v.yaml:6:21: error: transaction id 'buy' is used twice"),
        ("  - { complete: { id: c, of: room, amount: 0.00 } }\n", "v.yaml:6:44: error: the amount of a complete must be more than zero"),
        ("  - { change_account: { merchant: \"898440354110009\", account: { bank: MerchantBank, number: \"1\" } } }\n",
         "v.yaml:6:35: error: no merchant '898440354110009' in the network; did you mean '898440354110001'?"),
        ("  - { change_account: { merchant: \"898440354110001\", account: { bank: CMB, number: \"1\" } } }\n",
         "v.yaml:6:71: error: no bank 'CMB' in the network"),
        ("  - { swipe: { id: r2, amount: 1.00, preauth: maybe } }\n", "v.yaml:6:47: error: preauth 'maybe' is not true or false"),
        ("  - { refund: { id: r, of: buy, amount: 1.00, terminal: T0000009 } }\n", "v.yaml:6:57: error: no merchant has a terminal 'T0000009'; did you mean 'T0000001'?"),
    ])
    func mistakes(body: String, expected: String) {
        #expect(errors(body).first == expected, "\(errors(body))")
    }

    @Test("network keys: preauth_days, completion_tolerance, a fee schedule, a merchant account's status")
    func networkKeys() {
        let base = "name: V\nstart: 2026-03-16 10:00\n"
        #expect(errors("network:\n  scheme: { preauth_days: 0 }\n", base: base).first == "v.yaml:4:27: error: preauth_days '0' is not a number of days from 1 to 366")
        #expect(errors("network:\n  scheme: { completion_tolerance: lots }\n", base: base).first == "v.yaml:4:35: error: completion_tolerance 'lots' is not a percentage (15%)")
        let schedule = "network:\n  merchants:\n    - { id: \"898440354110001\", account: { bank: MerchantBank, number: \"1\" }, fee: [{ rate: 0.6% }, { rate: 0.38% }] }\n"
        #expect(errors(schedule, base: base).first == "v.yaml:5:100: error: every fee schedule entry but the first needs 'from': the clearing date it applies from")
        let backwards = "network:\n  merchants:\n    - { id: \"898440354110001\", account: { bank: MerchantBank, number: \"1\" }, fee: [{ from: 2026-06-01, rate: 0.6% }, { from: 2026-05-01, rate: 0.38% }] }\n"
        #expect(errors(backwards, base: base).first == "v.yaml:5:126: error: fee schedule dates must increase: 2026-05-01 is not after 2026-06-01")
        let status = "network:\n  merchants:\n    - { id: \"898440354110001\", account: { bank: MerchantBank, number: \"1\", status: shut } }\n"
        #expect(errors(status, base: base).first?.hasPrefix("v.yaml:5:84: error: status 'shut' is not one of active, frozen, closed, debit_frozen, wrong") == true, "\(errors(status, base: base))")
        let good = """
            network:
              scheme: { preauth_days: 7, completion_tolerance: 10% }
              merchants:
                - { id: "898440354110001", account: { bank: MerchantBank, number: "1", status: wrong }, fee: [{ rate: 0.6% }, { from: 2026-06-01, rate: 0.38% }] }

            """
        #expect(errors(good, base: base).isEmpty, "\(errors(good, base: base))")
    }
}
