public import Scenario
import PaymentNetwork
import SettlementCalendar

/// The JSON report of docs/command-line.md ("paylab run"): counts, then every scenario with its failures,
/// transactions (with their timelines) and account balances. The same run and seed give
/// the same bytes: wall times are left out.
public enum JSONReport {
    /// The whole report.
    public static func report(_ results: [ScenarioResult]) -> JSONValue {
        let passed = results.filter(\.passed).count
        return .object([
            ("paylab_version", .string(PayLabVersion.current)),
            ("passed", .number(Int64(passed))),
            ("failed", .number(Int64(results.count - passed))),
            ("scenarios", .array(results.map(scenario))),
        ])
    }

    /// The report of a run that found invalid files and ran nothing: every problem with its place.
    public static func report(invalid: [ScenarioDiagnostic]) -> JSONValue {
        .object([
            ("paylab_version", .string(PayLabVersion.current)),
            ("passed", .number(0)),
            ("failed", .number(0)),
            ("invalid", .array(invalid.map { problem in
                .object([("file", .string(problem.file)), ("line", .number(Int64(problem.line))), ("column", .number(Int64(problem.column))),
                         ("message", .string(problem.message))])
            })),
            ("scenarios", .array([])),
        ])
    }

    /// A failure as fields, beside its sentence: what kind, where, what about, and (for an
    /// expectation of one field) the field, what was expected and what the run gave.
    public static func detail(_ failure: RunFailure) -> JSONValue {
        func optional(_ text: String?) -> JSONValue { text.map { .string($0) } ?? .null }
        var fields: [(String, JSONValue)]
        switch failure {
        case .expectation(let miss):
            fields = [("kind", .string("expectation")), ("line", .number(Int64(miss.line))), ("subject", .string(miss.subject)),
                      ("field", optional(miss.field)), ("expected", optional(miss.expected)), ("actual", optional(miss.actual))]
        case .invariant(let rule, _):
            fields = [("kind", .string("invariant")), ("rule", .string(rule.rawValue))]
        case .node(let node, let fault):
            fields = [("kind", .string("node")), ("node", .string(node)), ("rule", .string(fault.kind.rawValue))]
        case .audit(let node, let failure):
            fields = [("kind", .string("invariant")), ("rule", .string("audit")), ("node", .string(node)), ("audit", .string(failure.kind.rawValue))]
        case .stopped:
            fields = [("kind", .string("stopped"))]
        }
        return .object(fields + [("sentence", .string(failure.description))])
    }

    /// One scenario's part.
    public static func scenario(_ result: ScenarioResult) -> JSONValue {
        let scenario = result.scenario
        let zone = scenario.zone
        let exponent = scenario.currency.exponent
        return .object([
            ("name", .string(scenario.name)),
            ("file", .string(scenario.file)),
            ("passed", .bool(result.passed)),
            ("seed", .number(Int64(bitPattern: scenario.seed))),
            ("failures", .array(result.failures.map { .string($0.description) })),
            ("failure_details", .array(result.failures.map(detail))),
            ("transactions", .array(result.transactions.map { transaction($0, of: result) })),
            ("merchants", .array(scenario.network.merchants.map { merchant in
                .object([
                    ("id", .string(merchant.id)),
                    ("stopped_at", .string(MoneyHolder.of(terminals: Set(merchant.terminals), outcomes: result.transactions).rawValue)),
                ])
            })),
            ("net_settlements", .array(result.netSettlements.map { settlement in
                .object([
                    ("member", .string(settlement.member)), ("date", .string(settlement.date.description)),
                    ("amount", .string(settlement.amount.formatted(exponent: exponent))), ("items", .number(Int64(settlement.items))),
                ])
            })),
            ("accounts", .array(result.accounts.map { account in
                .object([("number", .string(account.number)), ("balance", .string(account.balance.formatted(exponent: exponent)))])
            })),
            ("faults", .array(result.faultLog.map { .object([("at", .string(zone.iso8601($0.at))), ("what", .string($0.what))]) })),
            ("external", .array(result.externalLog.map { .object([("at", .string(zone.iso8601($0.at))), ("what", .string($0.what))]) })),
            ("security", .array(result.linkSecurity.map { .object([("link", .string($0.link)), ("mac", .string($0.mac)), ("pin_blocks", .bool($0.pinBlocks))]) })),
            ("problems", .array(result.problems.map { .string($0) })),
        ])
    }

    private static func transaction(_ outcome: TransactionOutcome, of result: ScenarioResult) -> JSONValue {
        let zone = result.scenario.zone
        let exponent = result.scenario.currency.exponent
        func amount(_ money: Money?) -> JSONValue { money.map { .string($0.formatted(exponent: exponent)) } ?? .null }
        return .object([
            ("id", .string(outcome.id)),
            ("response", .string(outcome.response)),
            ("status", .string(outcome.status.rawValue)),
            ("settlement_date", outcome.settlementDate.map { .string($0.description) } ?? .null),
            ("arrives", outcome.arrives.map { .string(zone.iso8601($0)) } ?? .null),
            ("credited", amount(outcome.credited)),
            ("held", amount(outcome.held)),
            ("refunded", amount(outcome.refunded)),
            ("interchange", amount(outcome.issuerFee)),
            ("issuer_fee", amount(outcome.issuerFee)),
            ("network_fee", amount(outcome.networkFee)),
            ("acquirer_keeps", amount(outcome.acquirerKeeps)),
            ("mcc_on_wire", outcome.mccOnWire.map { .string($0) } ?? .null),
            ("balance_shown", amount(outcome.balanceShown)),
            ("slip_time", outcome.slipTime.map { .string($0.description) } ?? .null),
            ("reasons", .array((result.reasons[outcome.id] ?? []).map { .string($0) })),
            ("events", .array(outcome.events.map { event in
                .object([
                    ("at", .string(zone.iso8601(event.at))),
                    ("event", .string(event.kind.rawValue)),
                    ("node", .string(event.node)),
                    ("detail", .string(event.detail)),
                ])
            })),
        ])
    }
}
