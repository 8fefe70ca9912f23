import Scenario
import PaymentNetwork

/// A JSON Schema (draft 2020-12) of the scenario language, for editors: every key, its
/// type, its allowed values and what it means. `paylab schema` prints it; the library's
/// files name it on their first line for the YAML language server.
///
/// YAML gives some values other types than PayLab reads them as (`100.00` is a number to
/// YAML, a decimal amount to PayLab), so those accept a number or a string; PayLab's own
/// validation (`paylab validate`) stays the authority on values.
public enum ScenarioSchema {
    /// The schema as JSON.
    public static var json: JSONValue {
        .object([
            ("$schema", .string("https://json-schema.org/draft/2020-12/schema")),
            ("$id", .string("https://paylab.dev/scenario.schema.json")),
            ("title", .string("PayLab scenario")),
        ] + object(
            "One PayLab scenario: a payment network, its faults, the cashier's steps, and what must happen to the money.",
            required: ["name", "start"],
            [
                ("name", text("A name for reports.")),
                ("description", text("The story behind the scenario, for people.")),
                ("tags", .object([("type", .string("array")), ("items", text("A word `paylab run --filter` matches.")), ("description", .string("Words to select scenarios by."))])),
                ("seed", .object([("type", .string("integer")), ("minimum", .number(0)), ("description", .string("Drives STANs, RRNs, authorization codes and random faults (default 1).")) ])),
                ("timezone", text("An IANA time zone for every local time in the file (default Asia/Shanghai).")),
                ("currency", text("An ISO 4217 code (default CNY).")),
                ("calendar", text("cn (default), us-fed, weekdays, or the path of a calendar file.")),
                ("start", dateTime("When the virtual clock starts.")),
                ("horizon", duration("How long after the last step the run may go on (default 30d).")),
                ("network", network),
                ("faults", array(fault, "What goes wrong, and when.")),
                ("steps", array(step, "What the cashier does, in order.")),
                ("expect", array(expectation, "What must have happened.")),
            ]))
    }

    // MARK: - Parts

    static var scheme: JSONValue {
        .object(object("The card scheme (the switch).", required: [], [
        ("name", text("Its node name (default Scheme).")),
        ("cutoff", timeOfDay("The daily cutoff that decides the clearing date (default \"23:00\").")),
        ("timeout", duration("How long it waits for an issuer (default 30s).")),
        ("preauth_days", .object([("type", .string("integer")), ("minimum", .number(1)), ("maximum", .number(366)),
                                  ("description", .string("Days a pre-authorization holds funds if not completed (default 30)."))])),
        ("completion_tolerance", text("How far a completion may exceed its pre-authorization, a percentage (default 15%).")),
        ("mcc_check", .object([("type", .string("boolean")), ("description", .string("Check DE18 against each merchant's registered MCC: flag a mismatch (mcc_mismatch) and charge interchange at the registered MCC's rate."))])),
        ("fees", .object([("type", .string("string")), ("enum", .array(SchemeFees.Model.allCases.map { .string($0.rawValue) })),
                          ("description", .string("The fee model: cn-2016 (default: the issuer's fee by card type, a network fee on each side, settled net per member per clearing day) or none (the gross amount)."))])),
        ("interchange", .object([("type", .string("object")), ("description", .string("The issuer's fee rate by MCC, instead of the card type's rate (a category the price list exempts or discounts): { \"8062\": 0% }.")),
                                 ("additionalProperties", .object([("type", .string("string"))]))])),
        ("stand_in", .object([
            ("description", .string("false, or { limit: AMOUNT }: approve in the issuer's place up to the limit when it does not answer.")),
            ("anyOf", .array([.object([("const", .bool(false))]), .object(object("Stand-in.", required: ["limit"], [("limit", amount("The most it approves."))]))])),
        ])),
        ("listen", listen),
        ("external", external(server: true)),
    ]))
    }

    static var network: JSONValue {
        .object(object("The parties; a part left out is the default network's.", required: [], [
            ("scheme", scheme),
            ("acquirer", .object(object("The acquirer (the payment provider).", required: [], [
                ("name", text("Its node name (default Acquirer).")),
                ("id", .object([("type", .array([.string("string"), .string("integer")])), ("description", .string("Its institution id, up to 11 digits (DE32; default 48020000)."))])),
                ("timeout", duration("How long it waits for the scheme (default 45s).")),
                ("reversal_attempts", .object([("type", .string("integer")), ("minimum", .number(1)), ("maximum", .number(100)),
                                               ("description", .string("How many times it sends a reversal before it gives up (default: until acknowledged)."))])),
                ("unmatched", .object([("type", .string("string")), ("enum", .array([.string("refund"), .string("pay")])),
                                       ("description", .string("Its next-day reconciliation of the scheme's clearing file: a purchase the scheme cleared but the journal has as failed is refunded to the card, or paid to the merchant."))])),
                ("mcc_override", .object([("type", .string("object")), ("description", .string("MCC code-jumping: the MCC sent in DE18 instead of a merchant's registered one, by merchant id.")),
                                          ("additionalProperties", .object([("type", .string("string"))]))])),
                ("listen", listen),
                ("external", external(server: true)),
            ]))),
            ("banks", array(.object(object("A bank: an issuer, a merchant's bank, or both.", required: ["name"], [
                ("name", text("Its node name.")),
                ("bins", .object([("type", .string("array")), ("items", text("A BIN prefix it issues.")), ("description", .string("The BINs it issues (default none)."))])),
                ("listen", listen),
                ("external", external(server: true)),
            ])), "The banks.")),
            ("merchants", array(.object(object("A merchant and its contract with the acquirer.", required: ["id"], [
                ("id", .object([("type", .string("string")), ("minLength", .number(15)), ("maxLength", .number(15)), ("description", .string("The merchant id, 15 characters (DE42; spaces allowed)."))])),
                ("name", text("Its name.")),
                ("mcc", .object([("type", .array([.string("string"), .string("integer")])), ("description", .string("Merchant category code, four digits (default 5411)."))])),
                ("terminals", .object([("type", .string("array")), ("items", .object([("anyOf", .array([
                    .object([("type", .string("string")), ("minLength", .number(8)), ("maxLength", .number(8))]),
                    .object(object("A terminal with its master key, or one whose place a POS application under test takes.", required: ["id"], [
                        ("id", .object([("type", .string("string")), ("minLength", .number(8)), ("maxLength", .number(8)), ("description", .string("Its terminal id (DE41)."))])),
                        ("tmk", key("Its terminal master key: its working keys come under it at sign-on (default: derived from the seed).")),
                        ("working_keys", .object([("enum", .array(["single", "double", "double_with_track"].map { .string($0) })),
                                                  ("description", .string("The working keys it asks for at sign-on (DE60.3 001, 003, 004); default: network.security's."))])),
                        ("external", external(server: false)),
                    ])),
                ]))])), ("description", .string("Its terminal ids, 8 characters each (DE41); { id, tmk } gives a terminal's master key; a terminal under test is { id, external }."))])),
                ("settlement", .object([("type", .string("string")), ("pattern", .string("^[TD]\\+[0-9]+$")), ("description", .string("T+n (business days) or D+n (calendar days); default T+1."))])),
                ("fee", .object([
                    ("description", .string("The fee rate, as 0.6% (default 0%); or a schedule [{ rate: 0.6% }, { from: 2026-06-01, rate: 0.38% }]: the rate in force on the clearing date applies.")),
                    ("anyOf", .array([
                        .object([("type", .string("string")), ("pattern", .string("^[0-9]+(\\.[0-9]+)?%$"))]),
                        .object([("type", .string("array")), ("items", .object(object("A rate from a clearing date on.", required: ["rate"], [
                            ("from", .object([("type", .string("string")), ("description", .string("The first clearing date it applies to, YYYY-MM-DD."))])),
                            ("rate", .object([("type", .string("string")), ("pattern", .string("^[0-9]+(\\.[0-9]+)?%$"))])),
                        ])))]),
                    ])),
                ])),
                ("fee_cap", amount("The largest fee for one transaction.")),
                ("fee_rounding", .object([("type", .string("string")), ("enum", .array(Money.Rounding.allCases.map { .string($0.rawValue) })),
                                          ("description", .string("How the fee is rounded to the minor unit: up (default), half_up or down."))])),
                ("payout_at", timeOfDay("When the acquirer pays out (default \"09:00\").")),
                ("terminal_timeout", duration("How long its terminals wait for an answer (default 60s).")),
                ("via", .object(object("An aggregator (二清) between the acquirer and this merchant: the acquirer pays its account on the merchant's settlement terms, and it pays the merchant's own account on 'pays', counted from the day it was paid.",
                                       required: ["aggregator", "account", "pays"], [
                    ("aggregator", text("Its name (a node of the network).")),
                    ("account", .object(object("Its account.", required: ["bank", "number"], [("bank", text("The bank that keeps it.")), ("number", text("The account number the acquirer's payout credits name (DE103)."))]))),
                    ("pays", text("Its terms to the merchant: T+n or D+n from the day it was paid.")),
                ]))),
                ("account", .object(object("Its account.", required: ["bank", "number"], [
                    ("bank", text("The bank that keeps it.")), ("number", text("The account number.")),
                    ("status", .object([("type", .string("string")), ("enum", .array(["active", "frozen", "closed", "debit_frozen", "wrong"].map { .string($0) })),
                                        ("description", .string("active (default); frozen (credits returned, paid when unfrozen); closed or wrong (no such account: returned and parked until change_account); debit_frozen (credits land)."))])),
                ]))),
            ])), "The merchants.")),
            ("cards", array(.object(object("A card.", required: ["pan", "bank"], [
                ("pan", text("The card number.")),
                ("bank", text("The issuing bank.")),
                ("balance", amount("The opening balance (default 0.00): a debit card's account; for a credit card, what it owes.")),
                ("type", .object([("enum", .array(["debit", "credit"].map { .string($0) })),
                                  ("description", .string("debit (default: spends its account; the scheme never stands in for it, and nothing overdraws it) or credit (a line of credit up to credit_limit)."))])),
                ("credit_limit", amount("A credit card's limit: what it may owe.")),
                ("expiry", .object([("type", .array([.string("string"), .string("integer")])), ("description", .string("YYMM (default 2812)."))])),
                ("status", status),
                ("daily_limit", amount("The most it may spend in a day.")),
                ("pin", pinValue("Its PIN: needed on every purchase and pre-authorization (55 without it or wrong).")),
                ("pin_tries", .object([("type", .string("integer")), ("minimum", .number(1)), ("maximum", .number(99)),
                                       ("description", .string("Wrong PINs in a day before it is locked for the rest of the day (75); default 3."))])),
                ("chip", .object(object("Its EMV chip: the issuer verifies an ARQC from it and answers with an ARPC.", required: ["imk"], [
                    ("imk", key("The issuer master key for application cryptograms.")),
                    ("psn", .object([("type", .string("string")), ("pattern", .string("^[0-9]{2}$")), ("description", .string("The PAN sequence number, DE23 (default 00)."))])),
                    ("atc", .object([("type", .string("integer")), ("minimum", .number(0)), ("maximum", .number(65535)), ("description", .string("The ATC of its first chip transaction (default 1)."))])),
                ]))),
            ])), "The cards.")),
            ("accounts", array(.object(object("An extra account.", required: ["bank", "number"], [
                ("bank", text("The bank that keeps it.")), ("number", text("The account number.")),
                ("balance", amount("The opening balance.")), ("status", status),
            ])), "Extra accounts.")),
            ("security", security),
        ]))
    }

    static var status: JSONValue {
        .object([("type", .string("string")), ("enum", .array(AccountStatus.allCases.map { .string($0.rawValue) })), ("description", .string("active (default), frozen, lost, expired, closed or debit_frozen (nothing can leave, credits land)."))])
    }

    static var fault: JSONValue {
        .object(object("One fault: exactly one of maintenance, outage, freeze, hold, network, stale_keys, bad_arqc, bad_arpc or chip_unreadable, with its window (the chip faults may leave out from).", required: [], [
            ("maintenance", text("A bank answers nothing; payouts to it land when the window ends.")),
            ("outage", text("A node is down and refuses connections.")),
            ("freeze", text("A card or account number is frozen.")),
            ("hold", text("Risk control holds this merchant's payouts.")),
            ("payout_short", text("The acquirer whose payout account holds only 'covers' for its payout runs in the window: merchants are paid in the order of merchants while it lasts, the first it cannot cover and all after it at the first payout run after 'to'.")),
            ("clock_skew", text("A terminal whose clock is off by 'by' (DE12/DE13 and its slip) until it signs on again: the acquirer's 0810 sets it (DE12/DE13).")),
            ("by", text("How far the terminal's clock is off: a duration, negative when behind (-26h, 10m).")),
            ("aggregator_default", text("An aggregator that takes its sub-merchants' money and does not pay it on.")),
            ("covers", amount("What the payout account holds for the window's payout runs (payout_short).")),
            ("bad_arqc", text("A chip card (its PAN) whose cryptogram (ARQC, DE55 9F26) does not verify at its issuer: declined 05, arqc_failed. Without from: the whole run.")),
            ("bad_arpc", text("A bank whose answer cryptograms (ARPC, DE55 91) do not verify at the card: the card declines after the online approval and the terminal reverses. Without from: the whole run.")),
            ("chip_unreadable", text("A chip card (its PAN) whose chip cannot be read: a chip read sends nothing (failed); entry: fallback swipes its stripe (DE22 802). Without from: the whole run.")),
            ("stale_keys", text("The acquirer's working keys for this terminal change under it (a POS centre re-keyed): its next request is answered A0 until it signs on again.")),
            ("network", .object([("type", .string("string")), ("pattern", .string("^.+ -> .+$")), ("description", .string("A link, named in the direction its requests travel: CLIENT -> SERVER."))])),
            ("latency", duration("Every frame on the link, both ways, is held this long.")),
            ("drop", direction("Frames lost.")),
            ("duplicate", direction("Frames delivered twice.")),
            ("corrupt", direction("One byte of each frame flipped.")),
            ("disconnect", .object([("const", .bool(true)), ("description", .string("The connection is cut for the window."))])),
            ("slice", direction("Each frame written as a half frame (its length header and half its message); the rest follows after pause.")),
            ("pause", duration("With slice: how long after its first half the rest of a frame follows (1s when left out).")),
            ("slow_close", duration("When the link's connection closes (an outage of either end, a disconnect), the end still up is not told for this long: what it writes meanwhile is lost.")),
            ("count", .object([("type", .string("integer")), ("minimum", .number(1)), ("description", .string("Only the first N frames in the window."))])),
            ("jitter", duration("With latency: each frame is held the latency plus or minus up to this, drawn from the seed.")),
            ("probability", .object([("type", .string("string")), ("pattern", .string("^[0-9]+(\\.[0-9]+)?%$")),
                                     ("description", .string("With drop, duplicate or corrupt: the chance each frame is acted on (30%), drawn from the seed."))])),
            ("from", dateTime("When it starts.")),
            ("to", dateTime("When it ends (left out: the end of the run).")),
        ]))
    }

    static var step: JSONValue {
        .object(object("One step, at a time: a swipe, a void, a completion, a cancellation, a refund or a dispute.", required: [], [
            ("at", dateTime("When (left out: the previous step's time, or start).")),
            ("swipe", .object(object("A purchase at a terminal, or a repeat of an earlier one.", required: ["id"], [
                ("id", text("The transaction's id, for expectations.")),
                ("terminal", text("The terminal (default: the first).")),
                ("card", text("The card number (default: the first card).")),
                ("amount", amount("What was meant.")),
                ("keyed", amount("What the cashier typed by mistake: what goes on the wire.")),
                ("repeat", text("The id of an earlier swipe whose message is sent again, same STAN.")),
                ("preauth", .object([("type", .string("boolean")), ("description", .string("A pre-authorization (0100): funds held, not taken."))])),
                ("pin", pinValue("The PIN the cardholder enters: a PIN block under the terminal's PIK (leave out: none entered).")),
                ("entry", .object([("enum", .array(["chip", "contactless", "stripe", "fallback"].map { .string($0) })),
                                   ("description", .string("How the card is read: chip (default for a chip card), contactless, stripe (a chip card's stripe is declined 45), or fallback (its stripe after the chip could not be read: DE22 802, accepted)."))])),
            ]))),
            ("inquire", .object(object("A balance inquiry (0200, processing code 310000): the issuer answers with the card's balance in DE54; nothing moves.", required: ["id"], [
                ("id", text("The inquiry's id, for expectations.")),
                ("terminal", text("The terminal (default: the first).")),
                ("card", text("The card number (default: the first card).")),
                ("pin", pinValue("The PIN the cardholder enters.")),
                ("entry", .object([("enum", .array(["chip", "contactless", "stripe", "fallback"].map { .string($0) })), ("description", .string("How the card is read, as for a swipe."))])),
            ]))),
            ("void", text("The id of an approved purchase of the same clearing day to cancel.")),
            ("complete", .object(object("The completion (0220) of a pre-authorization: takes at most the hold (plus the tolerance), releases the rest.", required: ["id", "of", "amount"], [
                ("id", text("The completion's id.")), ("of", text("The pre-authorization's id.")), ("amount", amount("What is taken.")),
                ("terminal", text("The terminal (default: the pre-authorization's).")),
                ("online", .object([("type", .string("boolean")),
                                    ("description", .string("Sent online as a UnionPay POS does (0200, processing code 000000, DE25 06, DE61 naming the pre-authorization) rather than as the 0220 advice."))])),
            ]))),
            ("cancel", .object(object("The cancellation (0100, processing code 20) of a pre-authorization: the hold goes away.", required: ["id", "of"], [
                ("id", text("The cancellation's id.")), ("of", text("The pre-authorization's id.")),
                ("terminal", text("The terminal (default: the pre-authorization's).")),
            ]))),
            ("refund", .object(object("A refund (0220, processing code 20) of part or all of a purchase or completion: the card is credited on the refund's clearing, the merchant's payout netted.", required: ["id", "of", "amount"], [
                ("id", text("The refund's id.")), ("of", text("The purchase's or completion's id.")), ("amount", amount("What is given back.")),
                ("terminal", text("The terminal (default: the original's).")),
            ]))),
            ("settle", .object(object("The terminal's end-of-day batch (0500, totals in DE48): they agree (reconciliation code 1), or not (2: it uploads its batch, 0320 each, and ends the upload).", required: [], [
                ("terminal", text("The terminal (default: the first).")),
            ]))),
            ("power_off", .object(object("The terminal loses power, mid-purchase if one is in flight; back at `until`, it signs on and reverses what was in flight.", required: ["until"], [
                ("terminal", text("The terminal (default: the first).")), ("until", dateTime("When it is switched on again.")),
            ]))),
            ("change_account", .object(object("The acquirer pays a merchant into another account from now on; parked payouts go there at the next payout run.", required: ["merchant", "account"], [
                ("merchant", text("The merchant id.")),
                ("account", .object(object("The new account.", required: ["bank", "number"], [("bank", text("The bank that keeps it.")), ("number", text("The account number."))]))),
            ]))),
            ("dispute", .object(object("A chargeback (0422) from the card's issuer through the scheme, taken from the merchant.", required: ["id", "of", "reason"], [
                ("id", text("The chargeback's id.")), ("of", text("The purchase's or completion's id.")),
                ("reason", text("The chargeback reason code (\"4837\").")),
            ]))),
        ]))
    }

    static var expectation: JSONValue {
        .object(object("What must have happened to a transaction, or an account's balance at the end.", required: [], [
            ("transaction", text("The id of a swipe.")),
            ("response", text("DE39 the terminal got, or none.")),
            ("status", .object([("type", .string("string")), ("enum", .array(TransactionStatus.allCases.map { .string($0.rawValue) })), ("description", .string("The final status."))])),
            ("settlement_date", .object([("type", .string("string")), ("description", .string("The clearing date, YYYY-MM-DD."))])),
            ("arrives", .object([("type", .string("string")), ("description", .string("When the merchant's account was credited, YYYY-MM-DD HH:MM, or never."))])),
            ("credited", amount("The net amount credited to the merchant for it.")),
            ("held", amount("What a pre-authorization still holds on the card at the end.")),
            ("interchange", amount("The issuer's fee the scheme charged on it (the older name of issuer_fee).")),
            ("issuer_fee", amount("The issuer's fee the scheme charged on it (the acquirer pays it to the card's bank).")),
            ("network_fee", amount("The network fee the scheme charged each side of it.")),
            ("slip_time", .object([("type", .string("string")), ("description", .string("The date and time on the terminal's slip (DE13/DE12 of its request, its own clock), YYYY-MM-DD HH:MM[:SS]."))])),
            ("mcc_on_wire", text("The MCC the scheme saw in DE18.")),
            ("balance_shown", amount("The balance a balance inquiry's answer showed the cardholder (DE54, the ledger balance).")),
            ("refunded", amount("What was credited back to the card for it (refunds once cleared, a chargeback).")),
            ("events", .object([("type", .string("array")), ("items", .object([("enum", .array(EventKind.allCases.map { .string($0.rawValue) }))])), ("description", .string("Timeline events, in this order, not necessarily adjacent."))])),
            ("account", text("An account or card number.")),
            ("merchant", text("A merchant id, for net_payouts and stopped_at.")),
            ("stopped_at", .object([("type", .string("string")), ("enum", .array(MoneyHolder.allCases.map { .string($0.rawValue) })),
                                    ("description", .string("The party that holds the merchant's money that has not arrived at the end of the run (acquirer, aggregator, bank), or none."))])),
            ("net_payouts", .object([("type", .string("array")), ("description", .string("What each payout to the merchant credited after netting, in order, by the local date it arrived.")),
                                     ("items", .object(object("One payout.", required: ["date", "amount"], [
                                         ("date", .object([("type", .string("string")), ("description", .string("YYYY-MM-DD."))])), ("amount", amount("The net credit.")),
                                     ])))])),
            ("balance", amount("Its balance at the end of the run.")),
            ("member", text("A member of the scheme (a bank that issues cards, the acquirer, the scheme itself), for net_settlements.")),
            ("net_settlements", .object([("type", .string("array")), ("description", .string("The member's net settlement of each clearing day, in order: positive for what it receives, negative for what it pays.")),
                                         ("items", .object(object("One clearing day's net settlement.", required: ["date", "amount"], [
                                             ("date", .object([("type", .string("string")), ("description", .string("The clearing date, YYYY-MM-DD."))])), ("amount", amount("The net amount.")),
                                         ])))])),
        ]))
    }

    // MARK: - External systems

    static var listen: JSONValue {
        .object([("type", .string("string")), ("pattern", .string("^(\\[[0-9a-fA-F:]+\\]|[^:]+):[0-9]+$")),
                 ("description", .string("HOST:PORT where this PayLab node listens for systems under test that dial it (port 0: any free port, printed by serve)."))])
    }

    static func external(server: Bool) -> JSONValue {
        var properties: [(String, JSONValue)] = []
        if server {
            properties.append(("address", .object([("type", .string("string")), ("pattern", .string("^(\\[[0-9a-fA-F:]+\\]|[^:]+):[0-9]+$")),
                                                    ("description", .string("HOST:PORT where the system under test listens; PayLab's nodes dial it."))])))
        }
        properties += [
            ("tls", .object([("enum", .array([.string("mutual"), .string("server"), .string("none")])), ("description", .string("mutual (default): both present certificates; server: only the server; none: plain TCP."))])),
            ("ca", text("The PEM file of the CA that signed the SUT's certificate, relative to the scenario (default: the run's CA, the --pki one).")),
            ("dialect", text("default, hex-bitmap, cup, or the path of a dialect file.")),
            ("framing", .object(object("How messages are delimited on the connection.", required: [], [
                ("length", .object([("enum", .array([.string("binary2"), .string("bcd2"), .string("ascii4"), .string("none")])), ("description", .string("The length header (default binary2)."))])),
                ("includes_length", .object([("type", .string("boolean")), ("description", .string("Whether the length counts the header's own bytes (default false)."))])),
                ("tpdu", .object([("type", .string("string")), ("pattern", .string("^[0-9A-Fa-f]{10}$")), ("description", .string("A 5-byte TPDU in hex before the message; swapped on answers."))])),
                ("header", .object([("type", .string("string")), ("pattern", .string("^([0-9A-Fa-f]{2})+$")), ("description", .string("Header bytes in hex between the TPDU and the MTI."))])),
            ]))),
            ("timeout", duration("The real time PayLab waits for each of its answers (default 10s).")),
            ("echo", .object([("type", .array([.string("string"), .string("integer")])), ("description", .string("Idle real time before PayLab sends an 0800 echo test (default 60s; 0: never)."))])),
            ("match", .object([("type", .string("array")), ("items", .object([("type", .string("integer")), ("minimum", .number(2)), ("maximum", .number(128))])),
                               ("description", .string("The fields besides the MTI that pair an answer with its request (default [11, 41, 7])."))])),
            ("mac", macAlgorithm("The MAC algorithm on the link (default x9.19), with its zak.", terminal: false)),
            ("zak", key("The zone MAC key of an institution's link: MACs to and from the SUT (default: no MAC).")),
            ("zpk", key("The zone PIN key of an institution's link: PIN blocks to and from the SUT are under it.")),
            ("tmk", key("A terminal's master key: a POS under test gets its working keys under it at sign-on; on an external acquirer, PayLab's terminals take the keys it sends under it.")),
        ]
        return .object(object("A system under test in this node's place.", required: [], properties))
    }

    /// `network.security`.
    static var security: JSONValue {
        .object(object("How the links are secured; every key left out is derived from the seed.", required: [], [
            ("mac", macAlgorithm("The MAC on PayLab's links between institutions: x9.19 (default) or x9.9.", terminal: false)),
            ("terminal_mac", macAlgorithm("The MAC on terminal links: cup-ecb (default in the cup dialect), x9.9 or x9.19 (default elsewhere).", terminal: true)),
            ("working_keys", .object([("enum", .array(["single", "double", "double_with_track"].map { .string($0) })),
                                      ("description", .string("What a terminal gets at sign-on (UnionPay DE60.3 001, 003, 004); default double."))])),
            ("zones", .object([("type", .string("object")), ("description", .string("Zone keys per link between institutions, keyed \"Acquirer -> Scheme\" in the direction its requests travel.")),
                               ("additionalProperties", .object(object("A link's zone keys.", required: [], [
                                   ("zpk", key("The zone PIN key.")), ("zak", key("The zone MAC key.")),
                               ])))])),
        ]))
    }

    static func pinValue(_ description: String) -> JSONValue {
        .object([("type", .string("string")), ("pattern", .string("^[0-9]{4,12}$")), ("description", .string(description + " 4 to 12 digits, quoted."))])
    }

    static func key(_ description: String) -> JSONValue {
        .object([("type", .string("string")), ("pattern", .string("^([0-9A-Fa-f]{16}|[0-9A-Fa-f]{32})$")), ("description", .string(description + " 16 hex digits (single length) or 32 (double)."))])
    }

    static func macAlgorithm(_ description: String, terminal: Bool) -> JSONValue {
        let names = terminal ? ["cup-ecb", "x9.9", "x9.19"] : ["x9.19", "x9.9"]
        return .object([("type", .string("string")), ("enum", .array(names.map { .string($0) })), ("description", .string(description))])
    }

    // MARK: - Building blocks

    static func object(_ description: String, required: [String], _ properties: [(String, JSONValue)]) -> [(String, JSONValue)] {
        var pairs: [(String, JSONValue)] = [("type", .string("object")), ("description", .string(description)), ("properties", .object(properties)), ("additionalProperties", .bool(false))]
        if !required.isEmpty { pairs.append(("required", .array(required.map { .string($0) }))) }
        return pairs
    }

    static func array(_ items: JSONValue, _ description: String) -> JSONValue {
        .object([("type", .string("array")), ("items", items), ("description", .string(description))])
    }

    static func text(_ description: String) -> JSONValue {
        .object([("type", .string("string")), ("description", .string(description))])
    }

    static func amount(_ description: String) -> JSONValue {
        .object([("type", .array([.string("number"), .string("string")])), ("description", .string(description + " A decimal amount (100.00)."))])
    }

    static func dateTime(_ description: String) -> JSONValue {
        .object([("type", .string("string")), ("description", .string(description + " YYYY-MM-DD HH:MM[:SS] local time, or ISO 8601 with an offset."))])
    }

    static func duration(_ description: String) -> JSONValue {
        .object([("type", .string("string")), ("pattern", .string("^ *[0-9]+ *(ms|s|sec|seconds?|m|min|minutes?|h|hours?|d|days?) *$")), ("description", .string(description + " A duration: 500ms, 45s, 10m, 2h, 3d."))])
    }

    static func timeOfDay(_ description: String) -> JSONValue {
        .object([("type", .string("string")), ("pattern", .string("^[0-9]{2}:[0-9]{2}$")), ("description", .string(description + " Quoted \"HH:MM\"."))])
    }

    static func direction(_ description: String) -> JSONValue {
        .object([("enum", .array([.string("request"), .string("response")])), ("description", .string(description + " request or response."))])
    }
}
