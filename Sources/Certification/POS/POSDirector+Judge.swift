import Foundation
import ISO8583
import PaymentNetwork

/// A case's verdict: every expected message came, in order, and met its rules.
extension POSDirector {
    func judge(_ item: POSSuite.Case, state: State, waited: Duration?) -> CertificationRun.Outcome {
        var checks: [CertificationRun.Check] = []
        for (index, expected) in item.expect.enumerated() {
            let step = index + 1
            guard index < state.matched.count else {
                let seen = state.messages.filter { !$0.sent }.compactMap { $0.message?.mti.rawValue }
                let when = waited.map { "nothing more within \($0.components.seconds) s" } ?? "its next transaction first"
                checks.append(CertificationRun.Check(
                    step: step, field: nil, rule: "the POS sends a \(expected.mti)", expected: expected.mti,
                    actual: "\(when)\(seen.isEmpty ? "" : " (it sent \(seen.joined(separator: ", ")))")", passed: false))
                continue
            }
            let message = state.matched[index]
            let answer = state.answers[index]
            checks.append(CertificationRun.Check(step: step, field: nil, rule: "the POS sends a \(expected.mti)", expected: expected.mti, actual: message.mti.rawValue, passed: true))
            checks += expected.rules.map { check($0, step: step, message: message, answer: answer) }
            if let header = expectedHeader {
                checks.append(CertificationRun.Check(step: step, field: nil, rule: "its TPDU and header are as configured", expected: Hex.encode(header),
                                                     actual: Hex.encode(message.header), passed: message.header == header))
            }
            // Every request but network management carries a MAC the centre verifies (else it answers A0).
            if message.mti.messageClass != .networkManagement, let answer, message.mti.isRequest {
                checks.append(CertificationRun.Check(step: step, field: 64, rule: "its MAC verifies at the centre", expected: "not answered A0",
                                                     actual: answer[DE.responseCode] ?? "no DE39", passed: answer.responseCode != .macFailure))
            }
        }
        return CertificationRun.Outcome(id: item.id, name: item.name, mandatory: true, skipped: nil, checks: checks, messages: state.messages)
    }

    func check(_ rule: POSSuite.Rule, step: Int, message: ISOMessage, answer: ISOMessage?) -> CertificationRun.Check {
        let nothing = ISOMessage(mti: message.mti)
        switch rule {
        case .field(let field, let fieldRule):
            return CertificationRun.check(fieldRule, field: field, step: step, request: nothing, answer: message)
        case .answer(let field, let fieldRule):
            guard let answer else {
                return CertificationRun.Check(step: step, field: field, rule: rule.description, expected: fieldRule.description, actual: "no answer from the centre", passed: false)
            }
            var verdict = CertificationRun.check(fieldRule, field: field, step: step, request: nothing, answer: answer)
            verdict.rule = rule.description
            return verdict
        case .tag(let tag), .answerTag(let tag):
            let source: ISOMessage? = if case .tag = rule { message } else { answer }
            let tags = (source.flatMap { try? $0.emvData() } ?? []).map { Hex.encode($0.tag) }
            return CertificationRun.Check(step: step, field: 55, rule: rule.description, expected: tag, actual: tags.isEmpty ? "no DE55" : tags.joined(separator: " "),
                                          passed: tags.contains(tag))
        case .signOn:
            let code = message[DE.networkManagementCode] ?? NetworkManagement.unionPayCode(message)
            return CertificationRun.Check(step: step, field: nil, rule: rule.description, expected: "001, 003 or 004", actual: code ?? "neither DE70 nor DE60.3",
                                          passed: ["001", "003", "004"].contains(code ?? ""))
        }
    }
}
