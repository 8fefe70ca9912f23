import ISO8583
import Testing
@testable import Wire

@Suite("Pairing a SUT's answers with PayLab's requests")
struct AnswerMatcherTests {
    func message(_ mti: MTI, stan: String, terminal: String?, time: String = "0511020000") -> ISOMessage {
        var message = ISOMessage(mti: mti)
        message[11] = stan
        message[7] = time
        if let terminal { message[41] = terminal }
        return message
    }

    @Test("the same STAN from two terminals pairs each answer with its own request")
    func sameStanTwoTerminals() {
        var matcher = AnswerMatcher<String>(fields: [11, 41, 7])
        matcher.expect(message("0200", stan: "000001", terminal: "T0000001"), token: "one")
        matcher.expect(message("0200", stan: "000001", terminal: "T0000002"), token: "two")
        #expect(matcher.answer(message("0210", stan: "000001", terminal: "T0000002")) == "two")
        #expect(matcher.answer(message("0210", stan: "000001", terminal: "T0000001")) == "one")
        #expect(matcher.count == 0)
    }

    @Test("a STAN that wrapped to an earlier value still pairs by its transmission time")
    func wrapped() {
        var matcher = AnswerMatcher<Int>(fields: [11, 41, 7])
        matcher.expect(message("0200", stan: "000001", terminal: "T0000001", time: "0511020000"), token: 1)
        matcher.expect(message("0200", stan: "000001", terminal: "T0000001", time: "0512020000"), token: 2)
        #expect(matcher.answer(message("0210", stan: "000001", terminal: "T0000001", time: "0512020000")) == 2)
    }

    @Test("a reversal and its repeat are both answered by 0430; the oldest first")
    func repeats() {
        var matcher = AnswerMatcher<Int>(fields: [11, 41, 7])
        matcher.expect(message("0420", stan: "000009", terminal: "T0000001"), token: 1)
        matcher.expect(message("0421", stan: "000009", terminal: "T0000001"), token: 2)
        #expect(matcher.answer(message("0430", stan: "000009", terminal: "T0000001")) == 1)
        #expect(matcher.answer(message("0430", stan: "000009", terminal: "T0000001")) == 2)
    }

    @Test("an answer to nothing, or of another class, pairs with nothing")
    func unmatched() {
        var matcher = AnswerMatcher<Int>(fields: [11, 41, 7])
        matcher.expect(message("0200", stan: "000001", terminal: "T0000001"), token: 1)
        #expect(matcher.answer(message("0430", stan: "000001", terminal: "T0000001")) == nil)
        #expect(matcher.answer(message("0210", stan: "000002", terminal: "T0000001")) == nil)
        #expect(matcher.answer(message("0210", stan: "000001", terminal: nil)) == nil)
        matcher.forget(1)
        #expect(matcher.answer(message("0210", stan: "000001", terminal: "T0000001")) == nil)
    }

    @Test("a configured key without DE7 pairs a SUT that does not echo it")
    func configured() {
        var matcher = AnswerMatcher<Int>(fields: [11, 41])
        matcher.expect(message("0800", stan: "000003", terminal: nil), token: 7)
        var answer = message("0810", stan: "000003", terminal: nil)
        answer[7] = nil
        #expect(matcher.answer(answer) == 7)
    }
}
